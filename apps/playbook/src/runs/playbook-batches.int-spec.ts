import type { DataSource, EntityManager } from 'typeorm';
import { Topics, type ScoreChanged } from '@bellwether/contracts';
import { createServiceDataSource, migrate, type OutboxRelay } from '@bellwether/platform';
import { alertLifecycleEvent, countingTransactions, incidentLifecycleEvent, scoreChanged, scoreSnapshot, testEnvironment } from '@bellwether/testing';
import { KpiReadModelRepository } from '../kpis/kpi-read-model.repository';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { PlaybookConsumer } from './playbook.consumer';
import { PlaybookRunner } from './playbook-runner.service';
import { RunRepository } from './run.repository';
import type { RunBatchWrites, RunBatchWritten } from './run-working-set';
import { batchOf, definitions, feed, forget, growth, histories, runMetrics, storedState, type Input } from './run-history.fixture';
import { fixedPlaybooks } from '../playbooks/playbook-activations';

// The runs' consumers on a real Postgres (issue 17): a batch's statements do not grow with the
// batch, and a batch does exactly what the same records fed one per batch do (a later record of an
// account sees the snapshot and the runs its earlier ones left), so the rows, the run events (ids,
// kinds, order) and the metrics are the same; a redelivered batch changes nothing; a started run
// whose insert meets a live run the batch could not see leaves nothing of itself.

const dataSource: DataSource = createServiceDataSource({
  url: testEnvironment.databaseUrl,
  schema: PLAYBOOK_SCHEMA,
  entities: [],
  migrations: playbookMigrations,
  applicationName: 'playbook-batches-it',
  poolSize: 2,
});

/** The consumer on the real repositories; `statements` counts the queries of each transaction. */
function consumer() {
  const { transactions: counting, statements } = countingTransactions(dataSource);
  const relay = { nudge: () => undefined } as unknown as OutboxRelay;
  const handler = new PlaybookConsumer(counting as unknown as DataSource, new PlaybookRunner(fixedPlaybooks(definitions), new RunRepository()), relay, new KpiReadModelRepository());
  return { handler, statements };
}

/**
 * The real repository, but `intrude` runs on another connection (committed, bypassing the account
 * locks) between the batch's read and its write: a conflict the batch cannot see.
 */
class IntrudedRunRepository extends RunRepository {
  constructor(private readonly intrude: () => Promise<void>) {
    super();
  }

  override async writeBatch(manager: EntityManager, writes: RunBatchWrites): Promise<RunBatchWritten> {
    await this.intrude();
    return super.writeBatch(manager, writes);
  }
}

describe('the runs consumers, set-based, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await migrate(dataSource, PLAYBOOK_SCHEMA);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('runs as many statements for a batch of 200 score changes of 50 accounts as for one of 2 changes', async () => {
    const inputs = histories(`it-stmt-${Date.now()}`, 60, 6, 'statements');
    const changes = inputs.filter((input) => input.topic === 'scores').map((input) => input.value as ScoreChanged);
    const small = consumer();
    await small.handler.handleScores(batchOf(Topics.scores, changes.slice(0, 2)));
    const large = consumer();
    await large.handler.handleScores(batchOf(Topics.scores, changes.slice(2, 202)));

    const [{ runs }] = (await dataSource.query(`SELECT count(*)::int AS runs FROM playbook.runs WHERE account_id = ANY($1)`, [[...new Set(changes.slice(2, 202).map((change) => change.accountId))]])) as { runs: number }[];
    expect(runs).toBeGreaterThan(20);
    // The claim, the account locks, two reads, at most six writes: record by record it was thousands.
    expect(large.statements).toHaveLength(1);
    expect(large.statements[0]).toBeLessThanOrEqual(10);
    expect(large.statements[0]).toBeLessThanOrEqual((small.statements[0] ?? 0) + 4);
  });

  it('does in batches exactly what one record per batch does: the same runs, tasks, deliveries, snapshots, run events and metrics', async () => {
    const prefix = `it-same-${Date.now()}`;
    const inputs = histories(prefix, 8, 30, 'same results');

    const oneByOne = consumer();
    const metricsBefore = await runMetrics();
    await feed(oneByOne.handler, inputs, 1);
    const metricsOneByOne = growth(metricsBefore, await runMetrics());
    const storedOneByOne = await storedState(dataSource, prefix);
    await forget(dataSource, prefix);
    expect(await storedState(dataSource, prefix)).toEqual({ runs: [], tasks: [], deliveries: [], snapshots: [], events: [] });

    const batched = consumer();
    const metricsBetween = await runMetrics();
    await feed(batched.handler, inputs, 50);
    const metricsBatched = growth(metricsBetween, await runMetrics());

    // The histories do what they are for: runs start, advance, wait, wake, exit and end within batches.
    const kinds = storedOneByOne.events.map((event) => event.kind);
    for (const kind of ['run.started', 'task.created', 'run.ended'] as const) expect(kinds.filter((k) => k === kind).length).toBeGreaterThan(5);
    expect(storedOneByOne.runs.filter((run) => (run as { outcome: string | null }).outcome === 'recovered').length).toBeGreaterThan(0);
    expect(storedOneByOne.runs.filter((run) => (run as { outcome: string | null }).outcome === 'churned').length).toBeGreaterThan(0);
    expect(storedOneByOne.deliveries.length).toBeGreaterThan(0);

    expect(await storedState(dataSource, prefix)).toEqual(storedOneByOne);
    expect(metricsBatched).toEqual(metricsOneByOne);
  });

  it('in one batch, a run started by an account’s first change is advanced and exited by its later ones, as one change per batch does', async () => {
    const prefix = `it-one-account-${Date.now()}`;
    const accountId = `${prefix}-0`;
    const red = scoreSnapshot({ health: 30, band: 'red', segment: 'at_risk' });
    const change = (sequence: number, hours: number, after: ReturnType<typeof scoreSnapshot>, before: ReturnType<typeof scoreSnapshot>): ScoreChanged =>
      scoreChanged({ accountId, changeId: `${accountId}:${sequence}`, sequence, eventTime: new Date(Date.parse('2026-07-01T00:00:00.000Z') + hours * 3_600_000).toISOString(), before, after });
    const changes = [
      change(1, 0, red, scoreSnapshot()), // enters at_risk: call, warn, escalate, then waits 24 h
      change(2, 30, { ...red, health: 35 }, red), // the wait is over: notify, review, done
      change(3, 40, scoreSnapshot(), red), // back to stable: nothing is live any more
      change(4, 50, red, scoreSnapshot()), // at_risk again: a second run
      change(5, 60, scoreSnapshot({ band: 'green', health: 90 }), red), // recovered: the second run exits
    ];
    const inputs = changes.map((value): Input => ({ topic: 'scores', value }));

    await feed(consumer().handler, inputs, 1);
    const oneByOne = await storedState(dataSource, prefix);
    await forget(dataSource, prefix);
    await feed(consumer().handler, inputs, 5);
    const batched = await storedState(dataSource, prefix);

    expect(batched).toEqual(oneByOne);
    const described = batched.events.map((event) => [event.kind, event.stepId, event.outcome].filter((part) => part !== undefined).join(' '));
    expect(described).toEqual([
      'run.started',
      'task.created call',
      'task.created escalate',
      'task.created review completed',
      'run.ended completed',
      'run.started',
      'task.created call',
      'task.created escalate',
      'run.ended recovered',
    ]);
    expect(new Set(batched.events.slice(0, 5).map((event) => event.runId)).size).toBe(1);
    expect(new Set(batched.events.map((event) => event.runId)).size).toBe(2);
  });

  it('applies a message id once per batch: a copy further on in the batch (an outbox republish) is skipped, as one record per batch skips it', async () => {
    const prefix = `it-dup-${Date.now()}`;
    const accountId = `${prefix}-0`;
    const at = (hours: number) => new Date(Date.parse('2026-07-01T00:00:00.000Z') + hours * 3_600_000).toISOString();
    const green = scoreSnapshot({ health: 90, band: 'green', segment: 'stable' });
    const red = scoreSnapshot({ health: 30, band: 'red', segment: 'at_risk' });
    const c1 = scoreChanged({ accountId, changeId: `${accountId}:1`, sequence: 1, eventTime: at(0), before: scoreSnapshot(), after: green });
    const c2 = scoreChanged({ accountId, changeId: `${accountId}:2`, sequence: 2, eventTime: at(1), before: green, after: red }); // enters at_risk
    // c1 again after c2: applied a second time it would advance c2's run on c1's older, recovered snapshot.
    const inputs = [c1, c2, c1].map((value): Input => ({ topic: 'scores', value }));

    await feed(consumer().handler, inputs, 1);
    const oneByOne = await storedState(dataSource, prefix);
    await forget(dataSource, prefix);
    await feed(consumer().handler, inputs, 3);
    const batched = await storedState(dataSource, prefix);

    expect((batched.runs as { playbook_id: string; status: string; outcome: string | null }[]).map((run) => [run.playbook_id, run.status, run.outcome])).toEqual([['it-at-risk', 'waiting', null]]);
    expect(batched.events.map((event) => event.kind)).not.toContain('run.ended');
    expect(batched).toEqual(oneByOne);
  });

  it('starts one run for two alerts of one rule and account in one batch, and one for an incident’s steps in one batch', async () => {
    const prefix = `it-live-${Date.now()}`;
    const accountId = `${prefix}-0`;
    const { handler } = consumer();
    await handler.handleAlerts(batchOf(Topics.alerts, [alertLifecycleEvent({ alertId: `al-${accountId}-1`, accountId }), alertLifecycleEvent({ alertId: `al-${accountId}-2`, accountId })]));
    const incidentId = `in-${accountId}`;
    await handler.handleIncidents(
      batchOf(Topics.incidents, [
        incidentLifecycleEvent({ incidentId, accountId, revision: 1, kind: 'opened', severity: 'high' }),
        incidentLifecycleEvent({ incidentId, accountId, revision: 2, kind: 'escalated', severity: 'critical' }),
      ]),
    );

    const stored = await storedState(dataSource, prefix);
    expect((stored.runs as { playbook_id: string; status: string }[]).map((run) => [run.playbook_id, run.status]).sort()).toEqual([
      ['it-incident', 'waiting'],
      ['it-red', 'waiting'],
    ]);
    expect(stored.events.map((event) => event.kind)).toEqual(['run.started', 'task.created', 'run.started', 'task.created']);
  });

  it('a redelivered batch changes nothing: no row, no event, one statement', async () => {
    const prefix = `it-replay-${Date.now()}`;
    const inputs = histories(prefix, 10, 8, 'replay');
    const changes = inputs.filter((input) => input.topic === 'scores').map((input) => input.value as ScoreChanged);
    const { handler, statements } = consumer();
    await handler.handleScores(batchOf(Topics.scores, changes));
    const once = await storedState(dataSource, prefix);
    expect(once.events.length).toBeGreaterThan(0);

    await handler.handleScores(batchOf(Topics.scores, changes));
    expect(await storedState(dataSource, prefix)).toEqual(once);
    expect(statements.at(-1)).toBe(1);
  });

  it('drops a started run whose insert conflicts with a live run another connection stored meanwhile: no tasks, deliveries, events or counts of it', async () => {
    const prefix = `it-conflict-${Date.now()}`;
    const [conflicted, other] = [`${prefix}-0`, `${prefix}-1`];
    const intruderId = `run_intruder_${prefix}`;
    const intrude = async () => {
      await dataSource.query(
        `INSERT INTO playbook.runs (id, playbook_id, playbook_version, variant_id, account_id, queue, status, state, trigger)
         VALUES ($1, 'it-at-risk', 1, 'control', $2, 'team:unassigned', 'waiting', $3::jsonb, '{"kind":"segment_entered","segment":"at_risk"}'::jsonb)`,
        [intruderId, conflicted, JSON.stringify({ runId: intruderId, playbookId: 'it-at-risk', accountId: conflicted, status: 'waiting' })],
      );
    };
    const handler = new PlaybookConsumer(dataSource, new PlaybookRunner(fixedPlaybooks(definitions), new IntrudedRunRepository(intrude)), { nudge: () => undefined } as unknown as OutboxRelay, new KpiReadModelRepository());
    const red = scoreSnapshot({ health: 30, band: 'red', segment: 'at_risk' });
    const entersAtRisk = (accountId: string) =>
      scoreChanged({ accountId, changeId: `${accountId}:1`, sequence: 1, eventTime: '2026-07-01T00:00:00.000Z', before: scoreSnapshot(), after: red });

    const before = await runMetrics();
    await handler.handleScores(batchOf(Topics.scores, [entersAtRisk(conflicted), entersAtRisk(other)]));
    const counted = growth(before, await runMetrics());

    const stored = await storedState(dataSource, prefix);
    const runs = stored.runs as { id: string; account_id: string }[];
    expect(runs.filter((run) => run.account_id === conflicted).map((run) => run.id)).toEqual([intruderId]);
    expect(runs.filter((run) => run.account_id === other)).toHaveLength(1);
    // Every task and delivery, and every event, is of the other account's run: the batch went on.
    const otherRun = runs.find((run) => run.account_id === other)?.id;
    expect(new Set((stored.tasks as { run_id: string }[]).map((task) => task.run_id))).toEqual(new Set([otherRun]));
    expect(new Set((stored.deliveries as { run_id: string }[]).map((delivery) => delivery.run_id))).toEqual(new Set([otherRun]));
    expect(stored.events.map((event) => [event.accountId, event.kind, event.stepId].filter((part) => part !== undefined).join(' '))).toEqual([
      `${other} run.started`,
      `${other} task.created call`,
      `${other} task.created escalate`,
    ]);
    // The conflicted account's snapshot is still kept.
    expect((stored.snapshots as { account_id: string }[]).map((snapshot) => snapshot.account_id)).toEqual([conflicted, other]);
    expect(counted).toEqual({
      'bellwether_playbook_runs_started_total{"playbook":"it-at-risk","variant":"control"}': 1,
      'bellwether_playbook_tasks_created_total{"playbook":"it-at-risk","role":"csm"}': 1,
      'bellwether_playbook_tasks_created_total{"playbook":"it-at-risk","role":"manager"}': 1,
    });
  });
});
