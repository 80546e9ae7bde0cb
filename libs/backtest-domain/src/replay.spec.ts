import { DAY_MS, type TelemetryEvent } from '@bellwether/contracts';
import { defaultRuleSet } from '@bellwether/alerting-domain';
import { defaultScorecard } from '@bellwether/scoring-domain';
import { generateCustomerBase } from '@bellwether/testing';
import { replayHistory, telemetryEventsOf, type ReplayResult } from './replay';

const start = Date.parse('2026-03-02T00:00:00.000Z');

function at(day: number, hour: number): string {
  return new Date(start + day * DAY_MS + hour * 3_600_000).toISOString();
}

/** 21 days of steady sessions of 3 users of a 5-seat account, then a payment failure on day 21, paid on day 24. */
function handMadeHistory(): TelemetryEvent[] {
  const history: { event: { id: string; type: string; accountId: string; userId?: string; timestamp: string; properties: Record<string, string | number> } }[] = [];
  history.push({ event: { id: 'sub', type: 'subscription.changed', accountId: 'acme', timestamp: at(0, 8), properties: { plan: 'pro', seats: 5, mrr: 500 } } });
  for (let day = 0; day < 28; day += 1) {
    for (const user of ['u1', 'u2', 'u3']) history.push({ event: { id: `s-${day}-${user}`, type: 'session.started', accountId: 'acme', userId: user, timestamp: at(day, 9), properties: {} } });
    if (day === 21) history.push({ event: { id: 'fail', type: 'billing.payment_failed', accountId: 'acme', timestamp: at(21, 12), properties: { amount: 500 } } });
    if (day === 24) history.push({ event: { id: 'paid', type: 'billing.payment_succeeded', accountId: 'acme', timestamp: at(24, 12), properties: { amount: 500 } } });
  }
  return telemetryEventsOf(history);
}

/** Each account's score history as the determinism e2e compares it (libs/testing's ScoreHistoryRow), and the alert episodes. */
function outcomeOf(result: ReplayResult) {
  const scoreHistory = [...result.changesByAccount].map(([accountId, changes]) => [
    accountId,
    changes.map((change) => [change.sequence, change.eventTime, change.after.health, change.after.band, change.after.churnRisk, change.after.segment, change.after.stage].join(' ')),
  ]);
  const episodes = result.alerts.map((alert) => [alert.accountId, alert.ruleId, alert.severity, alert.openedAt, alert.resolvedAt ?? null, alert.status].join(' '));
  return { scoreHistory: scoreHistory.sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)), episodes };
}

describe('replayHistory: a history through the pure scoring and alerting domains', () => {
  it('scores a hand-made history and opens then resolves the payment-failure alert at the events\' times', () => {
    const result = replayHistory(handMadeHistory(), { scorecard: defaultScorecard, ruleSet: defaultRuleSet, batchSize: 7 });
    const changes = result.changesByAccount.get('acme') ?? [];
    expect(changes.length).toBeGreaterThan(0);
    // Sequences run 1, 2, 3… and event times never go back.
    expect(changes.map((change) => change.sequence)).toEqual(changes.map((_, index) => index + 1));
    expect(changes.map((change) => change.eventTime)).toEqual([...changes.map((change) => change.eventTime)].sort());
    // The failure is a signal event: a change at its own time, with billing trouble and a higher churn risk.
    const failed = changes.find((change) => change.eventTime === at(21, 12));
    expect(failed?.signals?.billing.trouble).toEqual(['payment_failed']);
    expect(failed?.after.segment).toBe('at_risk');
    expect(failed?.after.churnRisk).toBeGreaterThan(failed?.before?.churnRisk ?? 1);
    const paid = changes.find((change) => change.eventTime === at(24, 12));
    expect(paid?.signals?.billing.trouble).toEqual([]);
    // The payment_failed alert opened at the failure, in the owner's team queue, and resolved at the payment.
    const alert = result.alerts.find((candidate) => candidate.ruleId === 'payment_failed');
    expect(alert).toMatchObject({ accountId: 'acme', openedAt: at(21, 12), resolvedAt: at(24, 12), status: 'resolved', queue: 'team:smb' });
    const incidentSteps = result.lifecycle.filter((step) => step.entity === 'incident').map((step) => [step.kind, step.at]);
    // No milestone in 14 days opened onboarding_stalled first: the risk incident opened then, and the
    // failure joined it (an update, not a second queue item), as did its resolution.
    expect(result.alerts.map((candidate) => [candidate.ruleId, candidate.openedAt, candidate.status])).toEqual([
      ['onboarding_stalled', at(14, 9), 'open'],
      ['payment_failed', at(21, 12), 'resolved'],
    ]);
    expect(incidentSteps).toEqual([
      ['opened', at(14, 9)],
      ['updated', at(21, 12)],
      ['updated', at(24, 12)],
    ]);
    // Days closed through two grace periods before the newest event (day 27 09:00 − 96 h → day 23).
    expect(result.closedThrough).toBe(at(23, 0));
  });

  it('is deterministic: the same history gives the same result, and redelivered copies count once', () => {
    const events = handMadeHistory();
    const once = replayHistory(events, { scorecard: defaultScorecard, ruleSet: defaultRuleSet });
    const twice = replayHistory([...events, ...events.slice(0, 20)], { scorecard: defaultScorecard, ruleSet: defaultRuleSet });
    expect(outcomeOf(twice)).toEqual(outcomeOf(once));
    expect(twice.counts.redelivered).toBe(20);
  });

  it('gives a customer base the same score histories and alert episodes whatever the batching and the interleaving of accounts (determinism e2e, runs A and B)', () => {
    const base = generateCustomerBase({ seed: 'determinism-1', accounts: 24, days: 40, nowMs: Date.parse('2026-06-01T00:00:00.000Z'), eventsPerActiveUser: 2, seats: [3, 6] });
    const events = telemetryEventsOf(base.events);
    const runA = replayHistory(events, { scorecard: defaultScorecard, ruleSet: defaultRuleSet, partitions: 6, batchSize: 100 });
    const runB = replayHistory(events, { scorecard: defaultScorecard, ruleSet: defaultRuleSet, partitions: 2, batchSize: 137 });
    const runOne = replayHistory(events, { scorecard: defaultScorecard, ruleSet: defaultRuleSet, partitions: 1, batchSize: 500 });
    expect(runA.changesByAccount.size).toBe(base.accounts.length);
    expect(runA.alerts.length).toBeGreaterThan(0);
    expect(outcomeOf(runB)).toEqual(outcomeOf(runA));
    expect(outcomeOf(runOne)).toEqual(outcomeOf(runA));
    // The churners' last change carries their churn, as alerting reads it.
    for (const account of base.accounts.filter((candidate) => candidate.outcome.churnedAt !== null)) {
      const last = runA.changesByAccount.get(account.accountId)?.at(-1);
      expect(last?.account.churnedAt).toBeDefined();
    }
  });
});
