import { type AccountPeriodRecord } from './kpi.types';
import { upsellRate, upsellRateBySegment } from './upsell.kpi';

const account = (accountId: string, fields: Partial<AccountPeriodRecord>): AccountPeriodRecord => ({
  accountId,
  segment: 'stable',
  cohort: '2025-01',
  mrrAtStart: 100,
  mrrAtEnd: 100,
  expansionMrr: 0,
  contractionMrr: 0,
  churnedAt: null,
  churnedMrr: 0,
  newInPeriod: false,
  ...fields,
});

const accounts: AccountPeriodRecord[] = [
  account('a', { segment: 'loyal', expansionMrr: 20, mrrAtEnd: 120 }),
  account('b', { segment: 'loyal' }),
  account('c', { segment: 'stable', expansionMrr: 10, mrrAtEnd: 0, churnedAt: '2026-03-28T00:00:00.000Z', churnedMrr: 110 }),
  account('d', { segment: 'stable' }),
  account('e', { segment: 'at_risk' }),
  account('f', { segment: 'loyal', mrrAtStart: 0, newInPeriod: true, expansionMrr: 50 }),
];

describe('upsellRate', () => {
  it('is the share of the starting cohort that expanded', () => {
    // Starting cohort a–e (f is new): expanded a and c (c churned later, still counts) → 2 / 5 = 0.4.
    expect(upsellRate(accounts)).toEqual({ value: 0.4, n: 5, count: 2 });
  });

  it('is null for no starting cohort', () => {
    expect(upsellRate([])).toEqual({ value: null, n: 0, count: 0 });
    expect(upsellRate([accounts[5]])).toEqual({ value: null, n: 0, count: 0 });
  });
});

describe('upsellRateBySegment', () => {
  it('computes each segment', () => {
    // loyal: a of (a, b) = 0.5; stable: c of (c, d) = 0.5; at_risk: none of (e) = 0.
    expect(upsellRateBySegment(accounts)).toEqual({
      loyal: { value: 0.5, n: 2, count: 1 },
      stable: { value: 0.5, n: 2, count: 1 },
      at_risk: { value: 0, n: 1, count: 0 },
    });
  });
});
