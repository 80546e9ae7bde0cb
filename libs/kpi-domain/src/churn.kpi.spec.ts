import { type AccountPeriodRecord } from './kpi.types';
import { churnBenchmarksByTier, classifyChurn, grossRevenueRetention, logoChurnRate, netRevenueRetention, revenueChurnRate, toMonthlyRate } from './churn.kpi';

const account = (accountId: string, fields: Partial<AccountPeriodRecord>): AccountPeriodRecord => ({
  accountId,
  segment: 'stable',
  cohort: '2025-01',
  mrrAtStart: 0,
  mrrAtEnd: 0,
  expansionMrr: 0,
  contractionMrr: 0,
  churnedAt: null,
  churnedMrr: 0,
  newInPeriod: false,
  ...fields,
});

// Starting cohort: a, b, c, e (d is new). MRR at start 100 + 200 + 100 + 100 = 500.
const accounts: AccountPeriodRecord[] = [
  account('a', { mrrAtStart: 100, mrrAtEnd: 120, expansionMrr: 20 }),
  account('b', { mrrAtStart: 200, mrrAtEnd: 150, contractionMrr: 50 }),
  account('c', { mrrAtStart: 100, mrrAtEnd: 0, churnedAt: '2026-03-20T00:00:00.000Z', churnedMrr: 100 }),
  account('d', { mrrAtStart: 0, mrrAtEnd: 80, newInPeriod: true }),
  account('e', { mrrAtStart: 100, mrrAtEnd: 100 }),
];

describe('logoChurnRate', () => {
  it('is churned accounts of the starting cohort over its size, per month', () => {
    // 1 churned (c) of 4 at start (a, b, c, e) = 0.25 over a one-month period.
    expect(logoChurnRate(accounts, 1)).toEqual({ value: 0.25, periodValue: 0.25, months: 1, lost: 1, base: 4, n: 4 });
  });

  it('normalizes a longer period to a month by compounding', () => {
    // Over a quarter: 0.25 lost → kept 0.75 = (monthly kept)^3 → monthly kept = 0.75^(1/3) ≈ 0.908560,
    // monthly churn ≈ 0.091440 (simple division would give 0.083333).
    const quarter = logoChurnRate(accounts, 3);
    expect(quarter.periodValue).toBe(0.25);
    expect(quarter.value).toBeCloseTo(0.09144, 5);
  });

  it('ignores an account that joined and churned within the period', () => {
    const joinedAndLeft = account('f', { mrrAtStart: 0, newInPeriod: true, churnedAt: '2026-03-25T00:00:00.000Z', churnedMrr: 50 });
    expect(logoChurnRate([...accounts, joinedAndLeft], 1).value).toBe(0.25);
  });

  it('is null, not NaN, without a starting cohort', () => {
    expect(logoChurnRate([], 1)).toEqual({ value: null, periodValue: null, months: 1, lost: 0, base: 0, n: 0 });
    expect(logoChurnRate([accounts[3]], 1).value).toBeNull();
  });

  it('rejects bad amounts and periods', () => {
    expect(() => logoChurnRate([account('x', { mrrAtStart: -1 })], 1)).toThrow(/account x: mrrAtStart/);
    expect(() => logoChurnRate([account('x', { grossMarginPct: 80 })], 1)).toThrow(/grossMarginPct/);
    expect(() => logoChurnRate(accounts, 0)).toThrow(RangeError);
  });
});

describe('revenueChurnRate', () => {
  it('is churned plus contracted MRR over MRR at start, per month', () => {
    // Lost: b contracted 50 + c churned 100 = 150; base 500 → 150 / 500 = 0.30 (a's expansion does not offset).
    expect(revenueChurnRate(accounts, 1)).toEqual({ value: 0.3, periodValue: 0.3, months: 1, lost: 150, base: 500, n: 4 });
    // Over 3 months: 1 − 0.7^(1/3) = 1 − 0.887904 ≈ 0.112096.
    expect(revenueChurnRate(accounts, 3).value).toBeCloseTo(0.112096, 5);
  });

  it("caps each account's loss at its starting MRR", () => {
    // Start 100, expanded 50, then churned all 150: loses 100 of a base of 100 → 1, not 1.5.
    const all = [account('x', { mrrAtStart: 100, expansionMrr: 50, churnedAt: '2026-03-10T00:00:00.000Z', churnedMrr: 150 })];
    expect(revenueChurnRate(all, 1).value).toBe(1);
    expect(revenueChurnRate(all, 3).value).toBe(1);
    expect(grossRevenueRetention(all).value).toBe(0);
    expect(netRevenueRetention(all).value).toBe(0);
  });

  it('is null without MRR at start', () => {
    expect(revenueChurnRate([], 1).value).toBeNull();
  });
});

describe('toMonthlyRate', () => {
  it('compounds: a 15 % quarter is ≈ 5.27 % a month', () => {
    // 1 − 0.85^(1/3): 0.9473^3 ≈ 0.8501, so ≈ 1 − 0.947268 = 0.052732.
    expect(toMonthlyRate(0.15, 3)).toBeCloseTo(0.052732, 5);
    expect(toMonthlyRate(0.15, 1)).toBe(0.15);
    expect(toMonthlyRate(1, 12)).toBe(1);
    expect(toMonthlyRate(0, 12)).toBe(0);
  });

  it('rejects rates outside [0, 1]', () => {
    expect(() => toMonthlyRate(1.2, 3)).toThrow(RangeError);
  });
});

describe('GRR and NRR', () => {
  it('are retained MRR of the starting cohort over its MRR at start', () => {
    // GRR: (100 − 0) + (200 − 50) + (100 − 100) + 100 = 350; 350 / 500 = 0.70.
    expect(grossRevenueRetention(accounts)).toEqual({ value: 0.7, n: 4 });
    // NRR: (100 + 20) + (200 − 50) + 0 + 100 = 370; 370 / 500 = 0.74 (d, a new account, is left out).
    expect(netRevenueRetention(accounts)).toEqual({ value: 0.74, n: 4 });
  });

  it('are null for no starting cohort', () => {
    expect(grossRevenueRetention([])).toEqual({ value: null, n: 0 });
    expect(netRevenueRetention([])).toEqual({ value: null, n: 0 });
  });
});

describe('classifyChurn', () => {
  it("places a monthly rate in product.md's tier bands", () => {
    expect(classifyChurn(0.005, 'enterprise')).toBe('within');
    expect(classifyChurn(0.01, 'enterprise')).toBe('worse'); // enterprise is "< 1 %"
    expect(classifyChurn(0.005, 'mid_market')).toBe('better');
    expect(classifyChurn(0.01, 'mid_market')).toBe('within');
    expect(classifyChurn(0.02, 'mid_market')).toBe('within');
    expect(classifyChurn(0.025, 'mid_market')).toBe('worse');
    expect(classifyChurn(0.02, 'smb')).toBe('better');
    expect(classifyChurn(0.05, 'smb')).toBe('within');
    expect(classifyChurn(0.07, 'smb')).toBe('within');
    expect(classifyChurn(0.08, 'smb')).toBe('worse');
  });

  it('rejects a rate given in percent', () => {
    expect(() => classifyChurn(3, 'smb')).toThrow(RangeError);
  });
});

describe('churnBenchmarksByTier', () => {
  it('classifies each tier the accounts carry', () => {
    // enterprise: 0 of 1 churned → 0 → within. SMB: 1 of 20 → 0.05 → within. No mid-market accounts.
    const smb = Array.from({ length: 20 }, (_, i) =>
      account(`s${i}`, { tier: 'smb', mrrAtStart: 50, mrrAtEnd: i === 0 ? 0 : 50, churnedAt: i === 0 ? '2026-03-05T00:00:00.000Z' : null, churnedMrr: i === 0 ? 50 : 0 }),
    );
    const result = churnBenchmarksByTier([account('e1', { tier: 'enterprise', mrrAtStart: 5000, mrrAtEnd: 5000 }), ...smb, account('untiered', { mrrAtStart: 1 })], 1);
    expect(result.map((r) => [r.tier, r.logoChurn.value, r.logoChurn.n, r.verdict])).toEqual([
      ['enterprise', 0, 1, 'within'],
      ['smb', 0.05, 20, 'within'],
    ]);
  });

  it('gives no verdict for a tier without a starting cohort', () => {
    expect(churnBenchmarksByTier([account('n', { tier: 'smb', newInPeriod: true, mrrAtEnd: 10 })], 1)[0].verdict).toBeNull();
  });
});
