import type { KpiPeriod } from '@bellwether/kpi-domain';
import type { KpiReadModels } from './kpi-read-model.repository';
import { portfolioKpiInput } from './portfolio-kpi-input';

const period: KpiPeriod = { start: '2026-06-01T00:00:00.000Z', end: '2026-07-01T00:00:00.000Z', months: 30 / 30.4375 };
const at = (iso: string) => new Date(iso);

const models: KpiReadModels = {
  segments: [{ account_id: 'acc_paying', segment: 'at_risk' }],
  accounts: [
    { account_id: 'acc_paying', contract_start: at('2026-03-10T00:00:00.000Z'), first_seen: at('2026-02-01T00:00:00.000Z'), onboarded_at: null },
    { account_id: 'acc_trial', contract_start: null, first_seen: at('2026-05-20T00:00:00.000Z'), onboarded_at: null },
    { account_id: 'acc_silent', contract_start: null, first_seen: at('2026-05-01T00:00:00.000Z'), onboarded_at: null },
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
      accounts: [{ account_id: 'acc_cut', contract_start: null, first_seen: at('2026-01-01T00:00:00.000Z'), onboarded_at: null }],
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
