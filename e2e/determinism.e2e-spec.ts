import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DAY_MS, Topics } from '@bellwether/contracts';
import {
  compareReplays,
  generateCustomerBase,
  postInArrivalOrder,
  readAlertEpisodes,
  readScoreHistory,
  resetTestRedis,
  waitForPipelineDrain,
  type ReplayOutcome,
} from '@bellwether/testing';
import { Stack, type StackOptions } from './stack';

/**
 * Issue 14: scores, stages and alert episodes are functions of the events alone. The same
 * simulated customer base (with a late reporter, churners, a payment failure, a detractor) is
 * replayed three times, each in a fresh stack (own database schemas, topics and consumer groups):
 *   A — the contract's topics (events: 6 partitions), 100 events per request;
 *   B — the events topic created beforehand with 2 partitions, 137 events per request;
 *   C — as A, with scoring killed (SIGKILL) halfway through the posting and restarted later.
 * B and C must give A's score history, row for row, and A's alert episodes.
 * Each run's outcome is written to reports/determinism/run-<label>.json for a closer look.
 */

const basePort = 4300;
const drainTimeoutMs = 180_000;
// Anchored to today's midnight (UTC): the same base all day, all event times in the past.
const anchorMs = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const base = generateCustomerBase({ seed: 'determinism-1', accounts: 24, days: 40, nowMs: anchorMs, eventsPerActiveUser: 2, seats: [3, 6] });
const reportDir = join(resolve(__dirname, '..'), 'reports', 'determinism');

interface RunSetup {
  readonly label: string;
  readonly stackOptions?: StackOptions;
  readonly batchSize: number;
  /** Called after each accepted request, while posting goes on (faults go here). */
  readonly duringPosting?: (stack: Stack, progress: { batch: number; batches: number }) => Promise<void>;
}

interface RunResult extends ReplayOutcome {
  readonly eventPartitions: number;
  readonly eventsOnTopic: number;
  readonly accepted: number;
}

async function replay(setup: RunSetup): Promise<RunResult> {
  await resetTestRedis();
  const stack = new Stack(basePort, {}, setup.stackOptions);
  try {
    await stack.start();
    // Its events set owners (csmId): a trusted source, as a CRM sync would be.
    const key = await stack.createKey('ingest,accounts:write');
    const posted = await postInArrivalOrder(base.events, {
      baseUrl: stack.services.ingestion.baseUrl,
      key,
      batchSize: setup.batchSize,
      afterBatch: (progress) => setup.duringPosting?.(stack, progress),
    });
    await waitForPipelineDrain(stack.kafka, stack.db, { timeoutMs: drainTimeoutMs });
    const admin = stack.kafka.client.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(stack.kafka.topic(Topics.events)).finally(() => admin.disconnect());
    const result: RunResult = {
      scoreHistory: await readScoreHistory(stack.db),
      episodes: await readAlertEpisodes(stack.db),
      eventPartitions: ends.length,
      eventsOnTopic: ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0),
      accepted: posted.accepted + posted.duplicates,
    };
    mkdirSync(reportDir, { recursive: true });
    writeFileSync(join(reportDir, `run-${setup.label}.json`), JSON.stringify({ ...result, scoreHistory: Object.fromEntries(result.scoreHistory) }, null, 1));
    return result;
  } finally {
    await stack.stop();
  }
}

describe('replays of the same events give the same scores, stages and alert episodes (issue 14)', () => {
  let runA: RunResult | null = null;

  beforeAll(async () => {
    runA = await replay({ label: 'A', batchSize: 100 });
  }, 300_000);

  it('replays a base with every archetype, and the harness saw all of it through (run A)', () => {
    const archetypes = new Set(base.accounts.map((account) => account.archetype));
    expect(archetypes).toEqual(new Set(['healthy', 'declining_churn', 'silent_churn', 'late_reporter', 'expanding', 'payment_failure', 'nps_detractor']));
    expect(runA).not.toBeNull();
    const run = runA as RunResult;
    // Every event was accepted, lies on the 6 partitions of the events topic, and (drained) was consumed.
    expect([run.accepted, run.eventsOnTopic, run.eventPartitions]).toEqual([base.events.length, base.events.length, 6]);
    expect([...run.scoreHistory.keys()].sort()).toEqual(base.accounts.map((account) => account.accountId).sort());
    expect(run.episodes.length).toBeGreaterThan(0);
  });

  it('gives the same score history per account and the same alert episodes with 2 event partitions and other request sizes (run B)', async () => {
    const runB = await replay({ label: 'B', batchSize: 137, stackOptions: { topicPartitions: { [Topics.events]: 2 } } });
    expect([runB.accepted, runB.eventsOnTopic, runB.eventPartitions]).toEqual([base.events.length, base.events.length, 2]);
    const difference = compareReplays(runA as RunResult, runB, { labels: ['run A', 'run B'] });
    expect(difference.report).toBe('');
  }, 300_000);

  it('gives the same score history per account and the same alert episodes after a kill -9 of scoring mid-replay (run C)', async () => {
    let killed = false;
    let restarted = false;
    const runC = await replay({
      label: 'C',
      batchSize: 100,
      duringPosting: async (stack, { batch, batches }) => {
        if (batch === Math.floor(batches / 2)) {
          await stack.services.scoring.stop('SIGKILL');
          killed = true;
        }
        if (batch === Math.floor((batches * 3) / 4)) {
          await stack.services.scoring.start();
          restarted = true;
        }
      },
    });
    expect([killed, restarted]).toEqual([true, true]);
    expect([runC.accepted, runC.eventsOnTopic]).toEqual([base.events.length, base.events.length]);
    const difference = compareReplays(runA as RunResult, runC, { labels: ['run A', 'run C'] });
    expect(difference.report).toBe('');
  }, 300_000);
});
