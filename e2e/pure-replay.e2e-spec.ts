import { DAY_MS } from '@bellwether/contracts';
import { defaultRuleSet } from '@bellwether/alerting-domain';
import { replayHistory, telemetryEventsOf } from '@bellwether/backtest-domain';
import { defaultScorecard } from '@bellwether/scoring-domain';
import {
  compareReplays,
  generateCustomerBase,
  postInArrivalOrder,
  readAlertEpisodes,
  readScoreHistory,
  resetTestRedis,
  waitForPipelineDrain,
  type AlertEpisode,
  type ReplayOutcome,
  type ScoreHistoryRow,
} from '@bellwether/testing';
import { Stack } from './stack';

/**
 * Issue 18, section 2: the pure replay (libs/backtest-domain `replayHistory`) gives what the real
 * stack gives. The determinism e2e's customer base is posted to the four services (event mode,
 * 6 event partitions) and replayed in process; the score history of every account and the alert
 * episodes must be the same, row for row.
 */
const anchorMs = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const base = generateCustomerBase({ seed: 'determinism-1', accounts: 24, days: 40, nowMs: anchorMs, eventsPerActiveUser: 2, seats: [3, 6] });

/** The pure replay's result in the shape the determinism e2e compares. */
function pureOutcome(): ReplayOutcome {
  const result = replayHistory(telemetryEventsOf(base.events), { scorecard: defaultScorecard, ruleSet: defaultRuleSet, partitions: 6, batchSize: 100 });
  const scoreHistory = new Map<string, ScoreHistoryRow[]>(
    [...result.changesByAccount.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([accountId, changes]) => [
        accountId,
        changes.map((change) => ({
          sequence: change.sequence,
          eventTime: new Date(Date.parse(change.eventTime)).toISOString(),
          health: change.after.health,
          band: change.after.band,
          churnRisk: change.after.churnRisk,
          segment: change.after.segment,
          stage: change.after.stage,
        })),
      ]),
  );
  const episodes: AlertEpisode[] = result.alerts.map((alert) => ({
    accountId: alert.accountId,
    rule: alert.ruleId,
    category: alert.category,
    severity: alert.severity,
    openedAt: new Date(Date.parse(alert.openedAt)).toISOString(),
    resolvedAt: alert.resolvedAt ? new Date(Date.parse(alert.resolvedAt)).toISOString() : null,
    status: alert.status,
  }));
  return { scoreHistory, episodes };
}

describe('the pure replay gives the real stack\'s score history and alert episodes (issue 18)', () => {
  it('replays the determinism base in process as the four services do', async () => {
    await resetTestRedis();
    const stack = new Stack(4340);
    let real: ReplayOutcome;
    try {
      await stack.start();
      const key = await stack.createKey('ingest,accounts:write');
      await postInArrivalOrder(base.events, { baseUrl: stack.services.ingestion.baseUrl, key, batchSize: 100 });
      await waitForPipelineDrain(stack.kafka, stack.db, { timeoutMs: 180_000 });
      real = { scoreHistory: await readScoreHistory(stack.db), episodes: await readAlertEpisodes(stack.db) };
    } finally {
      await stack.stop();
    }
    const difference = compareReplays(real, pureOutcome(), { labels: ['real stack', 'pure replay'] });
    expect(difference.report).toBe('');
    expect(difference.accountsCompared).toBe(base.accounts.length);
  }, 300_000);
});
