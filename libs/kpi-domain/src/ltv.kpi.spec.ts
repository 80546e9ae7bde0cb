import { type AccountPeriodRecord } from './kpi.types';
import { arpa, customerLifetimeValue, expectedLifetimeMonths, ltvByCohort, ltvBySegment, ltvToCac, weightedGrossMargin } from './ltv.kpi';

const settings = { grossMarginPct: 0.8, maxLifetimeMonths: 120, healthyLtvToCac: 3 };
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

const accounts: AccountPeriodRecord[] = [
  account('a', { segment: 'loyal', cohort: '2025-01', mrrAtStart: 100, mrrAtEnd: 100, grossMarginPct: 0.9, cacUsd: 600 }),
  account('b', { segment: 'loyal', cohort: '2025-06', mrrAtStart: 200, mrrAtEnd: 200, cacUsd: 1200 }),
  account('c', { segment: 'at_risk', cohort: '2025-01', mrrAtStart: 100, churnedAt: '2026-03-10T00:00:00.000Z', churnedMrr: 100 }),
  account('d', { segment: 'at_risk', cohort: '2025-06', mrrAtStart: 100, mrrAtEnd: 100 }),
  account('e', { segment: 'stable', cohort: '2026-03', mrrAtEnd: 200, newInPeriod: true }),
];

describe('arpa', () => {
  it('is MRR at end over accounts paying at end, per month', () => {
    // Paying at end: a 100, b 200, d 100, e 200 → 600 / 4 = 150.
    expect(arpa(accounts)).toEqual({ value: 150, n: 4 });
  });

  it('is null when nobody pays', () => {
    expect(arpa([])).toEqual({ value: null, n: 0 });
    expect(arpa([accounts[2]])).toEqual({ value: null, n: 0 });
  });
});

describe('weightedGrossMargin', () => {
  it("weights each account's margin (or the default) by MRR at end", () => {
    // (100 × 0.9 + 200 × 0.8 + 100 × 0.8 + 200 × 0.8) / 600 = (90 + 160 + 80 + 160) / 600 = 490 / 600.
    expect(weightedGrossMargin(accounts, 0.8)).toBeCloseTo(490 / 600, 12);
    expect(weightedGrossMargin([], 0.7)).toBe(0.7);
  });
});

describe('expectedLifetimeMonths', () => {
  it('is 1 / monthly churn, capped', () => {
    expect(expectedLifetimeMonths(0.02, 120)).toEqual({ months: 50, capped: false }); // 1 / 0.02 = 50
    expect(expectedLifetimeMonths(0.005, 120)).toEqual({ months: 120, capped: true }); // 1 / 0.005 = 200 > 120
    expect(expectedLifetimeMonths(0, 120)).toEqual({ months: 120, capped: true }); // no churn: the cap, not Infinity
  });
});

describe('customerLifetimeValue', () => {
  it('is ARPA × gross margin × expected lifetime', () => {
    // ARPA 150; margin 490 / 600; monthly logo churn 1 (c) / 4 (a, b, c, d) = 0.25 → lifetime 4 months.
    // LTV = 150 × 490/600 × 4 = 122.5 × 4 = 490.
    // CAC: a 600, b 1200 → average 900; LTV/CAC = 490 / 900 ≈ 0.544 < 3 → not healthy.
    const ltv = customerLifetimeValue(accounts, 1, settings);
    expect(ltv.value).toBeCloseTo(490, 9);
    expect(ltv).toMatchObject({ n: 5, arpa: { value: 150, n: 4 }, monthlyLogoChurn: { value: 0.25, n: 4 }, lifetimeMonths: 4, lifetimeCapped: false });
    expect(ltv.ltvToCac).toMatchObject({ n: 2, averageCacUsd: 900, healthy: false });
    expect(ltv.ltvToCac.value).toBeCloseTo(490 / 900, 9);
  });

  it('caps the lifetime when no churn is observed', () => {
    // One account, 100 MRR, margin 0.8, no churn → lifetime 120 (cap): LTV = 100 × 0.8 × 120 = 9600.
    // CAC 1000 → LTV/CAC 9.6 ≥ 3 → healthy.
    const ltv = customerLifetimeValue([account('x', { mrrAtStart: 100, mrrAtEnd: 100, cacUsd: 1000 })], 1, settings);
    expect(ltv.value).toBeCloseTo(9600, 9);
    expect(ltv.lifetimeCapped).toBe(true);
    expect(ltv.ltvToCac).toMatchObject({ averageCacUsd: 1000, healthy: true });
    expect(ltv.ltvToCac.value).toBeCloseTo(9.6, 9);
  });

  it('is null for no accounts, and without a starting cohort', () => {
    const empty = customerLifetimeValue([], 1, settings);
    expect(empty).toEqual({
      value: null,
      n: 0,
      arpa: { value: null, n: 0 },
      grossMargin: 0.8,
      monthlyLogoChurn: { value: null, n: 0 },
      lifetimeMonths: null,
      lifetimeCapped: false,
      ltvToCac: { value: null, n: 0, averageCacUsd: null, healthy: null },
    });
    expect(customerLifetimeValue([accounts[4]], 1, settings).value).toBeNull();
  });

  it('rejects a margin given in percent', () => {
    expect(() => customerLifetimeValue(accounts, 1, { ...settings, grossMarginPct: 80 })).toThrow(RangeError);
  });
});

describe('ltvBySegment', () => {
  it('computes each segment on its own accounts', () => {
    const bySegment = ltvBySegment(accounts, 1, settings);
    // loyal (a, b): ARPA 300 / 2 = 150; margin (90 + 160) / 300; churn 0 / 2 → lifetime 120 (cap).
    // LTV = 150 × 250/300 × 120 = 125 × 120 = 15000; CAC average 900 → 16.67, healthy.
    expect(bySegment.loyal.value).toBeCloseTo(15000, 9);
    expect(bySegment.loyal.ltvToCac.healthy).toBe(true);
    // at_risk (c, d): ARPA 100 / 1; margin 0.8; churn 1 / 2 = 0.5 → lifetime 2 → 100 × 0.8 × 2 = 160.
    expect(bySegment.at_risk.value).toBeCloseTo(160, 9);
    // stable (e only, new in the period): churn not observed → null; ARPA still 200.
    expect(bySegment.stable).toMatchObject({ value: null, arpa: { value: 200, n: 1 } });
  });
});

describe('ltvByCohort', () => {
  it('computes each cohort, sorted by cohort', () => {
    const byCohort = ltvByCohort(accounts, 1, settings);
    expect(byCohort.map((c) => c.cohort)).toEqual(['2025-01', '2025-06', '2026-03']);
    // 2025-01 (a, c): ARPA 100; margin 0.9; churn 1 / 2 → lifetime 2 → 100 × 0.9 × 2 = 180; CAC 600 → 0.3.
    expect(byCohort[0].value).toBeCloseTo(180, 9);
    expect(byCohort[0].ltvToCac.value).toBeCloseTo(0.3, 9);
    // 2025-06 (b, d): ARPA 300 / 2 = 150; margin 0.8; churn 0 → 120 → 150 × 0.8 × 120 = 14400; CAC 1200 → 12.
    expect(byCohort[1].value).toBeCloseTo(14400, 9);
    expect(byCohort[1].ltvToCac.value).toBeCloseTo(12, 9);
    // 2026-03 (e): new → null.
    expect(byCohort[2].value).toBeNull();
    expect(ltvByCohort([], 1, settings)).toEqual([]);
  });
});

describe('ltvToCac', () => {
  it('guards a zero CAC and a missing LTV', () => {
    expect(ltvToCac(1000, [account('o', { cacUsd: 0 })])).toEqual({ value: null, n: 1, averageCacUsd: 0, healthy: null });
    expect(ltvToCac(null, [account('p', { cacUsd: 100 })])).toEqual({ value: null, n: 1, averageCacUsd: 100, healthy: null });
    // 300 / 100 = 3 → exactly the healthy threshold counts as healthy.
    expect(ltvToCac(300, [account('p', { cacUsd: 100 })])).toEqual({ value: 3, n: 1, averageCacUsd: 100, healthy: true });
  });
});
