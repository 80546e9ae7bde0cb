import { accountTierOf, arrBandOf, arrUsdFromMrr } from './arr-tier';
import { priorityOf } from './priority';

describe('priorityOf', () => {
  it('multiplies severity weight by the ARR band multiplier', () => {
    expect(priorityOf('critical', 300_000)).toBe(48);
    expect(priorityOf('high', 100_000)).toBe(16);
    expect(priorityOf('medium', 20_000)).toBe(6);
    expect(priorityOf('low', 5_000)).toBe(2);
  });

  it('puts a large contract with a high alert ahead of a small critical one', () => {
    expect(priorityOf('high', 250_000)).toBeGreaterThan(priorityOf('critical', 9_999));
  });

  it('ranks by severity within a band', () => {
    const order = (['low', 'medium', 'high', 'critical'] as const).map((s) => priorityOf(s, 60_000));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(4);
  });

  it('treats unknown or invalid ARR as the lowest band', () => {
    expect(priorityOf('high')).toBe(priorityOf('high', 0));
    expect(priorityOf('high', Number.NaN)).toBe(8);
    expect(priorityOf('high', -5)).toBe(8);
  });
});

describe('ARR tiers', () => {
  it('has inclusive lower bounds', () => {
    expect([9_999, 10_000, 49_999, 50_000, 249_999, 250_000].map((arr) => arrBandOf(arr))).toEqual(['lt_10k', 'lt_50k', 'lt_50k', 'lt_250k', 'lt_250k', 'gte_250k']);
    expect([undefined, 49_999, 50_000, 250_000].map((arr) => accountTierOf(arr))).toEqual(['smb', 'smb', 'mid-market', 'enterprise']);
  });

  it('annualizes MRR', () => {
    expect(arrUsdFromMrr(2_000)).toBe(24_000);
    expect(arrUsdFromMrr(undefined)).toBeUndefined();
  });
});
