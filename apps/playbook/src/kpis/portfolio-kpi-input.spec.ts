import { computePortfolioKpis, type KpiPeriod } from '@bellwether/kpi-domain';
import type { KpiReadModels } from './kpi-read-model.repository';
import { portfolioKpiInput } from './portfolio-kpi-input';

const period: KpiPeriod = { start: '2026-06-01T00:00:00.000Z', end: '2026-07-01T00:00:00.000Z', months: 30 / 30.4375 };
const at = (iso: string) => new Date(iso);

const models: KpiReadModels = {
  segments: [{ account_id: 'acc_paying', segment: 'at_risk' }],
  accounts: [
    { account_id: 'acc_paying', contract_start: at('2026-03-10T00:00:00.000Z'), first_seen: at('2026-02-01T00:00:00.000Z'), onboarded_at: null, cac_usd: null, gross_margin_pct: null },
    { account_id: 'acc_trial', contract_start: null, first_seen: at('2026-05-20T00:00:00.000Z'), onboarded_at: null, cac_usd: null, gross_margin_pct: null },
    { account_id: 'acc_silent', contract_start: null, first_seen: at('2026-05-01T00:00:00.000Z'), onboarded_at: null, cac_usd: null, gross_margin_pct: null },
  ],
  revenue: [
    { event_id: 'e1', account_id: 'acc_paying', at: at('2026-03-10T00:00:00.000Z'), kind: 'subscription', amount: '1000' },
    { event_id: 'e2', account_id: 'acc_paying', at: at('2026-06-10T00:00:00.000Z'), kind: 'expanded', amount: '200' },
    { event_id: 'e3', account_id: 'acc_paying', at: at('2026-06-20T00:00:00.000Z'), kind: 'churned', amount: '0' },
    { event_id: 'e4', account_id: 'acc_trial', at: at('2026-06-05T00:00:00.000Z'), kind: 'subscription', amount: '50.5' },
    // After the period's end (read for reconciliation only): an account with nothing before the end is left out.
    { event_id: 'e5', account_id: 'acc_silent', at: at('2026-07-03T00:00:00.000Z'), kind: 'subscription', amount: '80' },
  ],
  alerts: [
    {
      alert_id: 'al_1',
      account_id: 'acc_paying',
      rule: 'segment_at_risk',
      category: 'risk',
      opened_at: at('2026-06-02T00:00:00.000Z'),
      acknowledged_at: at('2026-06-02T01:00:00.000Z'),
      resolved_at: null,
      outcome: null,
    },
    { alert_id: 'al_2', account_id: 'acc_trial', rule: 'nps_detractor', category: 'risk', opened_at: at('2026-06-03T00:00:00.000Z'), acknowledged_at: null, resolved_at: null, outcome: null },
  ],
  runs: [
    { id: 'run_1', playbook_id: 'value-rediscovery', variant_id: 'control', account_id: 'acc_paying', created_at: at('2026-06-02T00:00:00.000Z'), updated_at: at('2026-06-20T00:00:00.000Z'), status: 'exited', outcome: 'churned' },
    { id: 'run_2', playbook_id: 'detractor-closed-loop', variant_id: 'control', account_id: 'acc_trial', created_at: at('2026-06-03T00:00:00.000Z'), updated_at: at('2026-06-04T00:00:00.000Z'), status: 'waiting', outcome: null },
  ],
  nps: [{ account_id: 'acc_trial', at: at('2026-06-03T00:00:00.000Z'), score: 4 }],
};

describe('portfolioKpiInput', () => {
  const input = portfolioKpiInput(models, period);

  it('keeps accounts with revenue only, in their snapshot segment (stable before any), cohort from the contract start or the first sighting', () => {
    expect(input.accounts.map((account) => [account.accountId, account.segment, account.cohort])).toEqual([
      ['acc_paying', 'at_risk', '2026-03'],
      ['acc_trial', 'stable', '2026-05'],
    ]);
    expect(input.accounts[0]).toMatchObject({ mrrAtStart: 1000, expansionMrr: 200, churnedAt: '2026-06-20T00:00:00.000Z' });
    expect(input.accounts[1]).toMatchObject({ mrrAtStart: 0, mrrAtEnd: 50.5, newInPeriod: true });
  });

  it('reconciles a contraction in the period with the subscription change read from after its end: one movement, in the period of the level', () => {
    const seatCut: KpiReadModels = {
      ...models,
      accounts: [{ account_id: 'acc_cut', contract_start: null, first_seen: at('2026-01-01T00:00:00.000Z'), onboarded_at: null, cac_usd: null, gross_margin_pct: null }],
      revenue: [
        { event_id: 'c1', account_id: 'acc_cut', at: at('2026-01-01T00:00:00.000Z'), kind: 'subscription', amount: '1000' },
        { event_id: 'c2', account_id: 'acc_cut', at: at('2026-06-30T20:00:00.000Z'), kind: 'contracted', amount: '-300' },
        { event_id: 'c3', account_id: 'acc_cut', at: at('2026-07-02T00:00:00.000Z'), kind: 'subscription', amount: '700' },
      ],
    };
    expect(portfolioKpiInput(seatCut, period).accounts).toMatchObject([{ accountId: 'acc_cut', mrrAtStart: 1000, contractionMrr: 0, mrrAtEnd: 1000 }]);
    const july: KpiPeriod = { start: '2026-07-01T00:00:00.000Z', end: '2026-08-01T00:00:00.000Z', months: 31 / 30.4375 };
    expect(portfolioKpiInput(seatCut, july).accounts).toMatchObject([{ accountId: 'acc_cut', mrrAtStart: 1000, contractionMrr: 300, mrrAtEnd: 700 }]);
  });

  describe('account economics (issue 18)', () => {
    // June 2026 as exactly one month, so the rates need no conversion by hand.
    const june: KpiPeriod = { start: '2026-06-01T00:00:00.000Z', end: '2026-07-01T00:00:00.000Z', months: 1 };
    const account = (id: string, contractStart: string, cac: string | null, margin: string | null) => ({
      account_id: id,
      contract_start: at(contractStart),
      first_seen: at('2026-01-01T00:00:00.000Z'),
      onboarded_at: null,
      cac_usd: cac,
      gross_margin_pct: margin,
    });
    const economics: KpiReadModels = {
      ...models,
      segments: [
        { account_id: 'a1', segment: 'loyal' },
        { account_id: 'a2', segment: 'loyal' },
        { account_id: 'a3', segment: 'stable' },
      ],
      accounts: [account('a1', '2026-01-01T00:00:00.000Z', '6000', '0.75'), account('a2', '2026-02-01T00:00:00.000Z', '12000', '0.6'), account('a3', '2026-01-01T00:00:00.000Z', null, null)],
      revenue: [
        { event_id: 'r1', account_id: 'a1', at: at('2026-01-01T00:00:00.000Z'), kind: 'subscription', amount: '1000' },
        { event_id: 'r2', account_id: 'a2', at: at('2026-02-01T00:00:00.000Z'), kind: 'subscription', amount: '3000' },
        { event_id: 'r3', account_id: 'a3', at: at('2026-01-01T00:00:00.000Z'), kind: 'subscription', amount: '1000' },
        { event_id: 'r4', account_id: 'a3', at: at('2026-06-15T00:00:00.000Z'), kind: 'churned', amount: '0' },
      ],
    };

    it('feeds each account’s CAC and gross margin to the records, and none for an account without them', () => {
      const records = portfolioKpiInput(economics, june).accounts;
      expect(records.find((record) => record.accountId === 'a1')).toMatchObject({ cacUsd: 6000, grossMarginPct: 0.75 });
      expect(records.find((record) => record.accountId === 'a2')).toMatchObject({ cacUsd: 12000, grossMarginPct: 0.6 });
      const bare = records.find((record) => record.accountId === 'a3');
      expect(bare).not.toHaveProperty('cacUsd');
      expect(bare).not.toHaveProperty('grossMarginPct');
    });

    it('so LTV/CAC has a value overall, per segment and per cohort, each with its sample size', () => {
      const kpis = computePortfolioKpis(portfolioKpiInput(economics, june), june);
      // Overall: ARPA (1000 + 3000) / 2 = 2000; MRR-weighted margin (1000 × 0.75 + 3000 × 0.6) / 4000 = 0.6375;
      // monthly logo churn 1 / 3 → lifetime 3 months; LTV 2000 × 0.6375 × 3 = 3825; average CAC (6000 + 12000) / 2 = 9000.
      expect(kpis.ltv.overall.grossMargin).toBeCloseTo(0.6375, 12);
      expect(kpis.ltv.overall.value).toBeCloseTo(3825, 9);
      expect(kpis.ltvToCac).toMatchObject({ n: 2, averageCacUsd: 9000, healthy: false });
      expect(kpis.ltvToCac.value).toBeCloseTo(3825 / 9000, 12);
      // loyal (a1, a2): no churn → the 120-month cap; 2000 × 0.6375 × 120 = 153,000 / 9000 = 17. stable (a3): nobody pays at the end.
      expect(kpis.ltv.bySegment.loyal.ltvToCac.value).toBeCloseTo(17, 9);
      expect(kpis.ltv.bySegment.loyal.ltvToCac).toMatchObject({ n: 2, healthy: true });
      expect(kpis.ltv.bySegment.stable.ltvToCac).toEqual({ value: null, n: 0, averageCacUsd: null, healthy: null });
      // 2026-01 (a1, a3): churn 1 / 2 → 2 months; 1000 × 0.75 × 2 = 1500 / 6000. 2026-02 (a2): 3000 × 0.6 × 120 = 216,000 / 12,000.
      const byCohort = Object.fromEntries(kpis.ltv.byCohort.map((cohort) => [cohort.cohort, cohort.ltvToCac]));
      expect(byCohort['2026-01']?.value).toBeCloseTo(0.25, 12);
      expect(byCohort['2026-01']?.n).toBe(1);
      expect(byCohort['2026-02']?.value).toBeCloseTo(18, 9);
      expect(byCohort['2026-02']?.n).toBe(1);
    });

    it('without any CAC LTV/CAC stays null (n 0), and LTV uses the default margin', () => {
      const none = { ...economics, accounts: economics.accounts.map((row) => ({ ...row, cac_usd: null, gross_margin_pct: null })) };
      const kpis = computePortfolioKpis(portfolioKpiInput(none, june), june);
      expect(kpis.ltvToCac).toEqual({ value: null, n: 0, averageCacUsd: null, healthy: null });
      expect(kpis.ltv.overall.grossMargin).toBe(0.8);
    });
  });

  it('maps alerts, NPS answers and runs with ISO times; a run has ended only once completed or exited', () => {
    expect(input.alerts[0]).toEqual({
      alertId: 'al_1',
      rule: 'segment_at_risk',
      category: 'risk',
      openedAt: '2026-06-02T00:00:00.000Z',
      acknowledgedAt: '2026-06-02T01:00:00.000Z',
      resolvedAt: null,
      outcome: null,
      segment: 'at_risk',
    });
    expect(input.npsResponses).toEqual([{ accountId: 'acc_trial', segment: 'stable', score: 4, at: '2026-06-03T00:00:00.000Z' }]);
    expect(input.runs.map((run) => [run.runId, run.startedAt, run.endedAt, run.outcome])).toEqual([
      ['run_1', '2026-06-02T00:00:00.000Z', '2026-06-20T00:00:00.000Z', 'churned'],
      ['run_2', '2026-06-03T00:00:00.000Z', null, null],
    ]);
  });

  it('an onboarding is due 90 days after a known contract start; a risk detection is a segment_at_risk alert paired with the first churn', () => {
    expect(input.onboardings).toEqual([{ accountId: 'acc_paying', startedAt: '2026-03-10T00:00:00.000Z', completedAt: null, dueAt: '2026-06-08T00:00:00.000Z' }]);
    expect(input.riskDetections).toEqual([{ accountId: 'acc_paying', detectedAt: '2026-06-02T00:00:00.000Z', churnedAt: '2026-06-20T00:00:00.000Z' }]);
  });
});
