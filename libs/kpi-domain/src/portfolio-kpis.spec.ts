import { type RunOutcome, type Segment } from '@bellwether/contracts';
import { type AccountPeriodRecord, type AlertRecord, type KpiPeriod, type NpsResponseRecord, type RunRecord } from './kpi.types';
import { churnReductionRoi } from './roi.kpi';
import { computePortfolioKpis, DEFAULT_KPI_SETTINGS, type PortfolioKpiInput, resolveKpiSettings } from './portfolio-kpis';

const MARCH: KpiPeriod = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', months: 1 };

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
const nps = (accountId: string, segment: Segment, score: number, at: string): NpsResponseRecord => ({ accountId, segment, score, at });
const alert = (alertId: string, rule: string, fields: Partial<AlertRecord>): AlertRecord => ({
  alertId,
  rule,
  category: 'risk',
  openedAt: '2026-03-03T09:00:00.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  outcome: null,
  segment: 'at_risk',
  ...fields,
});
const run = (runId: string, playbookId: string, variantId: string, accountId: string, startedAt: string, outcome: RunOutcome | null): RunRecord => ({
  runId,
  playbookId,
  variantId,
  accountId,
  startedAt,
  endedAt: outcome === null ? null : '2026-03-25T00:00:00.000Z',
  outcome,
});

const input: PortfolioKpiInput = {
  accounts: [
    account('acc-a', { segment: 'loyal', cohort: '2025-01', tier: 'mid_market', mrrAtStart: 1000, mrrAtEnd: 1200, expansionMrr: 200, cacUsd: 3000 }),
    account('acc-b', { segment: 'stable', cohort: '2025-01', tier: 'mid_market', mrrAtStart: 500, mrrAtEnd: 400, contractionMrr: 100, cacUsd: 1500 }),
    account('acc-c', { segment: 'at_risk', cohort: '2025-06', tier: 'smb', mrrAtStart: 500, churnedAt: '2026-03-20T00:00:00.000Z', churnedMrr: 500 }),
    account('acc-d', { segment: 'stable', cohort: '2025-06', tier: 'smb', mrrAtStart: 1000, mrrAtEnd: 1000 }),
    account('acc-e', { segment: 'loyal', cohort: '2026-03', mrrAtEnd: 400, newInPeriod: true, cacUsd: 2000 }),
  ],
  npsResponses: [
    nps('acc-a', 'loyal', 10, '2026-03-05T00:00:00.000Z'),
    nps('acc-a', 'loyal', 9, '2026-03-25T00:00:00.000Z'), // a's latest in March
    nps('acc-b', 'stable', 7, '2026-03-10T00:00:00.000Z'),
    nps('acc-c', 'at_risk', 3, '2026-03-02T00:00:00.000Z'),
    nps('acc-d', 'stable', 10, '2026-02-20T00:00:00.000Z'), // February: out of the period
    nps('acc-e', 'loyal', 6, '2026-03-15T00:00:00.000Z'),
  ],
  alerts: [
    alert('al-1', 'health_entered_red', { openedAt: '2026-03-03T09:00:00.000Z', acknowledgedAt: '2026-03-03T09:15:00.000Z', resolvedAt: '2026-03-04T09:00:00.000Z', outcome: 'saved' }),
    alert('al-2', 'health_entered_red', { openedAt: '2026-03-10T10:00:00.000Z', acknowledgedAt: '2026-03-10T10:45:00.000Z' }),
    alert('al-3', 'seats_near_limit', {
      category: 'expansion',
      segment: 'loyal',
      openedAt: '2026-03-12T08:00:00.000Z',
      acknowledgedAt: '2026-03-12T10:00:00.000Z',
      resolvedAt: '2026-03-20T08:00:00.000Z',
      outcome: 'expanded',
    }),
    alert('al-4', 'health_entered_red', { openedAt: '2026-02-27T09:00:00.000Z' }), // February
  ],
  runs: [
    run('r1', 'value_rediscovery', 'a', 'acc-c', '2026-03-02T00:00:00.000Z', 'churned'),
    run('r2', 'value_rediscovery', 'b', 'acc-b', '2026-03-05T00:00:00.000Z', 'recovered'),
    run('r3', 'value_rediscovery', 'a', 'acc-d', '2026-03-06T00:00:00.000Z', null),
    run('r4', 'ambassador', 'control', 'acc-a', '2026-03-08T00:00:00.000Z', 'expanded'),
    run('r5', 'ambassador', 'control', 'acc-a', '2026-02-01T00:00:00.000Z', 'failed'), // February
  ],
  onboardings: [
    { accountId: 'acc-e', startedAt: '2025-12-10T00:00:00.000Z', dueAt: '2026-03-10T00:00:00.000Z', completedAt: '2026-03-01T00:00:00.000Z' },
    { accountId: 'acc-x', startedAt: '2025-12-20T00:00:00.000Z', dueAt: '2026-03-20T00:00:00.000Z', completedAt: null },
    { accountId: 'acc-y', startedAt: '2026-01-01T00:00:00.000Z', dueAt: '2026-04-01T00:00:00.000Z', completedAt: null }, // due at the (exclusive) end
    { accountId: 'acc-z', startedAt: '2025-11-01T00:00:00.000Z', dueAt: '2026-02-01T00:00:00.000Z', completedAt: null }, // due in February
  ],
  riskDetections: [
    { accountId: 'acc-c', detectedAt: '2025-12-25T00:00:00.000Z', churnedAt: '2026-03-20T00:00:00.000Z' }, // window to 2026-03-25: churned within
    { accountId: 'acc-b', detectedAt: '2025-12-05T00:00:00.000Z', churnedAt: null }, // window to 2026-03-05: recovered
    { accountId: 'acc-d', detectedAt: '2026-02-01T00:00:00.000Z', churnedAt: null }, // window closes 2026-05-02: not this period
  ],
};

/** Every number anywhere in the result is finite (no NaN, no Infinity). */
function expectAllFinite(value: unknown, path = 'kpis'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
  } else if (Array.isArray(value)) value.forEach((item, i) => expectAllFinite(item, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) expectAllFinite(item, `${path}.${key}`);
}

describe('computePortfolioKpis: the whole portfolio for March 2026', () => {
  const kpis = computePortfolioKpis(input, MARCH);

  it('echoes the period, the filter and the settings', () => {
    expect(kpis.period).toEqual(MARCH);
    expect(kpis.segment).toBeNull();
    expect(kpis.settings).toEqual(DEFAULT_KPI_SETTINGS);
  });

  it('churn, GRR, NRR and ARPA', () => {
    // Starting cohort a, b, c, d (e is new): 4 accounts, MRR at start 1000 + 500 + 500 + 1000 = 3000.
    // Logo: 1 (c) / 4 = 0.25 a month.
    expect(kpis.churn.logo).toMatchObject({ value: 0.25, n: 4 });
    // Revenue: b −100 + c −500 = 600; 600 / 3000 = 0.2 a month.
    expect(kpis.churn.revenue).toMatchObject({ value: 0.2, lost: 600, base: 3000, n: 4 });
    // GRR: (1000 + 400 + 0 + 1000) / 3000 = 0.8. NRR: (1200 + 400 + 0 + 1000) / 3000 = 2600 / 3000.
    expect(kpis.grr).toEqual({ value: 0.8, n: 4 });
    expect(kpis.nrr.value).toBeCloseTo(2600 / 3000, 12);
    // ARPA: paying at end a 1200, b 400, d 1000, e 400 = 3000 / 4 = 750.
    expect(kpis.arpa).toEqual({ value: 750, n: 4 });
  });

  it('classifies churn per tier', () => {
    // mid-market (a, b): 0 / 2 = 0 → better than 1–2 %. SMB (c, d): 1 / 2 = 0.5 → worse than 3–7 %.
    expect(kpis.churn.byTier.map((t) => [t.tier, t.logoChurn.value, t.verdict])).toEqual([
      ['mid_market', 0, 'better'],
      ['smb', 0.5, 'worse'],
    ]);
  });

  it('LTV overall, by segment and by cohort, with LTV/CAC', () => {
    // Overall: 750 × 0.8 × (1 / 0.25 = 4 months) = 2400. CAC a 3000, b 1500, e 2000 → 6500 / 3 ≈ 2166.67;
    // LTV/CAC = 2400 / 2166.67 ≈ 1.108 < 3 → not healthy.
    expect(kpis.ltv.overall.value).toBeCloseTo(2400, 9);
    expect(kpis.ltvToCac.value).toBeCloseTo(2400 / (6500 / 3), 9);
    expect(kpis.ltvToCac).toMatchObject({ n: 3, healthy: false });
    // loyal (a, e): ARPA (1200 + 400) / 2 = 800; churn 0 / 1 → 120 months (cap) → 800 × 0.8 × 120 = 76 800.
    // CAC (3000 + 2000) / 2 = 2500 → 30.72, healthy.
    expect(kpis.ltv.bySegment.loyal.value).toBeCloseTo(76_800, 6);
    expect(kpis.ltv.bySegment.loyal.lifetimeCapped).toBe(true);
    expect(kpis.ltv.bySegment.loyal.ltvToCac.value).toBeCloseTo(30.72, 9);
    // stable (b, d): ARPA (400 + 1000) / 2 = 700; churn 0 → 120 → 700 × 0.8 × 120 = 67 200.
    expect(kpis.ltv.bySegment.stable.value).toBeCloseTo(67_200, 6);
    // at_risk (c): nobody pays at end → null; churn 1 / 1 → lifetime 1 month.
    expect(kpis.ltv.bySegment.at_risk).toMatchObject({ value: null, lifetimeMonths: 1 });
    // 2025-01 (a, b): ARPA 800, churn 0 → 76 800. 2025-06 (c, d): ARPA 1000, churn 1 / 2 → 2 months → 1600.
    // 2026-03 (e): new in March, churn not observed → null.
    expect(kpis.ltv.byCohort.map((c) => [c.cohort, c.value === null ? null : Math.round(c.value)])).toEqual([
      ['2025-01', 76_800],
      ['2025-06', 1600],
      ['2026-03', null],
    ]);
    expect(kpis.ltv.lifetimeCapNote).toBe(DEFAULT_KPI_SETTINGS.lifetimeCapNote);
  });

  it('NPS over the latest March answer per account', () => {
    // a 9 (promoter), b 7 (passive), c 3 (detractor), e 6 (detractor); d answered in February.
    // 100 × (1 − 2) / 4 = −25. loyal (a 9, e 6): 0. stable (b 7): 0. at_risk (c 3): −100.
    expect(kpis.nps.overall).toEqual({ value: -25, n: 4, promoters: 1, passives: 1, detractors: 2 });
    expect([kpis.nps.bySegment.loyal.value, kpis.nps.bySegment.stable.value, kpis.nps.bySegment.at_risk.value]).toEqual([0, 0, -100]);
  });

  it('upsell rate per segment', () => {
    // Starting cohort a, b, c, d; expanded: a → 1 / 4. loyal: a / (a) = 1; stable: 0 / 2; at_risk: 0 / 1.
    expect(kpis.upsellRate.overall).toEqual({ value: 0.25, n: 4, count: 1 });
    expect(kpis.upsellRate.bySegment).toEqual({ loyal: { value: 1, n: 1, count: 1 }, stable: { value: 0, n: 2, count: 0 }, at_risk: { value: 0, n: 1, count: 0 } });
  });

  it('onboarding completion and recovery', () => {
    // Due in March: acc-e (done 03-01 ≤ due 03-10) and acc-x (not done) → 1 / 2 = 0.5, below the 0.9 target.
    expect(kpis.onboardingCompletion).toEqual({ value: 0.5, n: 2, count: 1, pending: 0, target: 0.9, meetsTarget: false });
    // Windows (90 days) closing in March: acc-c (churned 03-20 ≤ 03-25) and acc-b (recovered) → 1 / 2.
    expect(kpis.recovery).toEqual({ value: 0.5, n: 2, count: 1, churned: 1, pending: 0, windowDays: 90 });
  });

  it('alert volume and time to acknowledge', () => {
    // Opened in March: al-1 (15 min), al-2 (45 min), al-3 (120 min). Sorted [15, 45, 120]:
    // median 45; p90: h = 2 × 0.9 = 1.8 → 45 + 0.8 × (120 − 45) = 105.
    expect(kpis.alerts.n).toBe(3);
    expect(kpis.alerts.timeToAcknowledge.medianMinutes).toBe(45);
    expect(kpis.alerts.timeToAcknowledge.p90Minutes).toBeCloseTo(105, 9);
    expect(kpis.alerts.byRule.map((r) => [r.rule, r.n, r.resolved])).toEqual([
      ['health_entered_red', 2, 1],
      ['seats_near_limit', 1, 1],
    ]);
  });

  it('playbook outcome per variant', () => {
    // Started in March: ambassador/control r4 expanded → 1 / 1; value_rediscovery/a r1 churned, r3 open → 0 / 1;
    // value_rediscovery/b r2 recovered → 1 / 1.
    expect(kpis.playbookOutcomes.map((v) => [v.playbookId, v.variantId, v.n, v.ended, v.successRate])).toEqual([
      ['ambassador', 'control', 1, 1, 1],
      ['value_rediscovery', 'a', 2, 1, 0],
      ['value_rediscovery', 'b', 1, 1, 1],
    ]);
  });

  it('ROI of one point less revenue churn', () => {
    // MRR now 3000; revenue churn 0.20 → 0.19 a month, 12 months, margin 0.8.
    // Σ_{k=1..12} r^k = r(1 − r^12) / (1 − r): r = 0.81 → 0.81 × (1 − 0.079766) / 0.19 ≈ 3.923101;
    // r = 0.80 → 0.8 × (1 − 0.068719) / 0.2 ≈ 3.725122. 3000 × (3.923101 − 3.725122) ≈ 593.94.
    expect(kpis.roi.n).toBe(4);
    expect(kpis.roi.value).toBeCloseTo(593.94, 1);
    expect(kpis.roi.projection).toEqual(churnReductionRoi({ currentMrr: 3000, fromMonthlyChurn: 0.2, toMonthlyChurn: 0.2 - 0.01, horizonMonths: 12, grossMarginPct: 0.8 }));
    expect(kpis.roi.projection?.grossProfitRetained).toBeCloseTo(593.94 * 0.8, 1);
  });

  it('is plain JSON with finite numbers', () => {
    expectAllFinite(kpis);
    expect(JSON.parse(JSON.stringify(kpis))).toEqual(kpis);
  });
});

describe('computePortfolioKpis: one segment', () => {
  it('keeps the segment’s accounts, answers, alerts and their accounts’ runs, onboardings and detections', () => {
    const kpis = computePortfolioKpis(input, MARCH, {}, { segment: 'stable' });
    expect(kpis.segment).toBe('stable');
    // b, d: MRR at start 1500; no churn; b contracted 100 → revenue churn 100 / 1500; GRR = NRR = 1400 / 1500.
    expect(kpis.churn.logo).toMatchObject({ value: 0, n: 2 });
    expect(kpis.churn.revenue.value).toBeCloseTo(100 / 1500, 12);
    expect(kpis.grr.value).toBeCloseTo(1400 / 1500, 12);
    expect(kpis.nrr.value).toBeCloseTo(1400 / 1500, 12);
    expect(kpis.arpa).toEqual({ value: 700, n: 2 });
    // NPS: b 7 only (d answered in February) → 0.
    expect(kpis.nps.overall).toMatchObject({ value: 0, n: 1 });
    // No stable alerts.
    expect(kpis.alerts).toEqual({ n: 0, byRule: [], timeToAcknowledge: { medianMinutes: null, p90Minutes: null, n: 0, unacknowledged: 0 } });
    // Runs of b (r2) and d (r3).
    expect(kpis.playbookOutcomes.map((v) => [v.variantId, v.n])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    // Onboardings: acc-e is loyal, acc-x has no account record → none. Detections: acc-b recovered → 1 / 1.
    expect(kpis.onboardingCompletion).toMatchObject({ value: null, n: 0, meetsTarget: null });
    expect(kpis.recovery).toMatchObject({ value: 1, n: 1 });
  });
});

describe('computePortfolioKpis: edge cases', () => {
  const empty: PortfolioKpiInput = { accounts: [], npsResponses: [], alerts: [], runs: [], onboardings: [], riskDetections: [] };

  it('returns nulls, never NaN or Infinity, for no data', () => {
    const kpis = computePortfolioKpis(empty, MARCH);
    expectAllFinite(kpis);
    expect(kpis.churn.logo.value).toBeNull();
    expect(kpis.churn.revenue.value).toBeNull();
    expect(kpis.churn.byTier).toEqual([]);
    expect(kpis.grr.value).toBeNull();
    expect(kpis.nrr.value).toBeNull();
    expect(kpis.arpa.value).toBeNull();
    expect(kpis.ltv.overall.value).toBeNull();
    expect(kpis.ltv.byCohort).toEqual([]);
    expect(kpis.ltvToCac.value).toBeNull();
    expect(kpis.nps.overall.value).toBeNull();
    expect(kpis.upsellRate.overall.value).toBeNull();
    expect(kpis.onboardingCompletion.value).toBeNull();
    expect(kpis.recovery.value).toBeNull();
    expect(kpis.alerts.timeToAcknowledge.medianMinutes).toBeNull();
    expect(kpis.playbookOutcomes).toEqual([]);
    expect(kpis.roi).toEqual({ value: null, n: 0, projection: null });
  });

  it('normalizes a quarter to monthly churn', () => {
    // Same accounts as a quarter: logo 0.25 over 3 months → 1 − 0.75^(1/3) ≈ 0.091440 a month.
    const kpis = computePortfolioKpis({ ...empty, accounts: input.accounts }, { start: '2026-01-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', months: 3 });
    expect(kpis.churn.logo.periodValue).toBe(0.25);
    expect(kpis.churn.logo.value).toBeCloseTo(0.09144, 5);
  });

  it('applies setting overrides', () => {
    // Margin 0.5: overall LTV 750 × 0.5 × 4 = 1500.
    expect(computePortfolioKpis(input, MARCH, { grossMarginPct: 0.5 }).ltv.overall.value).toBeCloseTo(1500, 9);
  });

  it('rejects a bad period or bad settings', () => {
    expect(() => computePortfolioKpis(empty, { ...MARCH, end: MARCH.start })).toThrow(RangeError);
    expect(() => computePortfolioKpis(empty, { ...MARCH, months: 0 })).toThrow(RangeError);
    expect(() => computePortfolioKpis(empty, { ...MARCH, start: 'March' })).toThrow(RangeError);
    expect(() => resolveKpiSettings({ grossMarginPct: 80 })).toThrow(/settings.grossMarginPct/);
    expect(() => resolveKpiSettings({ roiHorizonMonths: 0 })).toThrow(/settings.roiHorizonMonths/);
    expect(() => resolveKpiSettings({ recoveryWindowDays: -1 })).toThrow(/settings.recoveryWindowDays/);
  });
});
