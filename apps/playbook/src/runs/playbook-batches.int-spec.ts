import type { DataSource } from 'typeorm';
import { register } from 'prom-client';
import { Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent, type LifecycleStage, type PlaybookRunEvent, type ScoreChanged, type Segment } from '@bellwether/contracts';
import type { DecodedBatch } from '@bellwether/kafka';
import { createServiceDataSource, migrate, type OutboxRelay } from '@bellwether/platform';
import type { PlaybookDefinition } from '@bellwether/playbook-domain';
import { alertLifecycleEvent, countingTransactions, incidentLifecycleEvent, scoreChanged, scoreSnapshot, SeededRandom, testEnvironment } from '@bellwether/testing';
import { KpiReadModelRepository } from '../kpis/kpi-read-model.repository';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { PlaybookConsumer } from './playbook.consumer';
import { PlaybookRunner } from './playbook-runner.service';
import { RunRepository } from './run.repository';

// The runs' consumers on a real Postgres (issue 17): a batch's statements do not grow with the
// batch, and a batch does exactly what the same records fed one per batch do (a later record of an
// account sees the snapshot and the runs its earlier ones left), so the rows, the run events (ids,
// kinds, order) and the metrics are the same; a redelivered batch changes nothing.

const dataSource: DataSource = createServiceDataSource({
  url: testEnvironment.databaseUrl,
  schema: PLAYBOOK_SCHEMA,
  entities: [],
  migrations: playbookMigrations,
  applicationName: 'playbook-batches-it',
  poolSize: 2,
});

/** Segment entered at_risk: a task, an email, a branch on the band, a wait, a webhook; exits once recovered. */
const onAtRisk: PlaybookDefinition = {
  id: 'it-at-risk',
  version: 1,
  name: 'Entered at risk',
  trigger: { kind: 'segment_entered', segment: 'at_risk' },
  steps: [
    { kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 24 },
    { kind: 'email', id: 'warn', template: 'at-risk', to: 'account_contact' },
    { kind: 'branch', id: 'check', when: { field: 'band', op: 'eq', value: 'red' }, then: 'escalate', else: 'pause' },
    { kind: 'task', id: 'escalate', role: 'manager', title: 'Escalate', dueInHours: 4 },
    { kind: 'wait', id: 'pause', hours: 24 },
    { kind: 'webhook', id: 'notify', url: 'http://127.0.0.1:9/hook' },
    { kind: 'task', id: 'review', role: 'csm', title: 'Review', dueInHours: 24 },
    { kind: 'end', id: 'done' },
  ],
  exitCriteria: ['recovered'],
};
const onLoyal: PlaybookDefinition = {
  id: 'it-loyal',
  version: 1,
  name: 'Entered loyal',
  trigger: { kind: 'segment_entered', segment: 'loyal' },
  steps: [{ kind: 'task', id: 'thank', role: 'csm', title: 'Thank them', dueInHours: 48 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};
const onRenewal: PlaybookDefinition = {
  id: 'it-renewal',
  version: 1,
  name: 'Renewal stage',
  trigger: { kind: 'lifecycle_stage', stage: 'renewal' },
  steps: [
    { kind: 'task', id: 'qbr', role: 'csm', title: 'QBR', dueInHours: 24 },
    { kind: 'wait', id: 'pause', hours: 48 },
    { kind: 'task', id: 'follow-up', role: 'sales', title: 'Follow up', dueInHours: 24 },
    { kind: 'end', id: 'done' },
  ],
  exitCriteria: ['churned'],
};
const onRed: PlaybookDefinition = {
  id: 'it-red',
  version: 1,
  name: 'Health entered red',
  trigger: { kind: 'alert_rule', ruleIds: ['health_entered_red'] },
  steps: [{ kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 24 }, { kind: 'wait', id: 'pause', hours: 36 }, { kind: 'end', id: 'done' }],
  exitCriteria: ['recovered'],
};
const onIncident: PlaybookDefinition = {
  id: 'it-incident',
  version: 1,
  name: 'Serious risk incident',
  trigger: { kind: 'incident', category: 'risk', minSeverity: 'high' },
  steps: [{ kind: 'task', id: 'triage', role: 'manager', title: 'Triage', dueInHours: 4 }, { kind: 'wait', id: 'pause', hours: 72 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};
const definitions = [onAtRisk, onLoyal, onRenewal, onRed, onIncident];

/** A record for one of the runs' consumers. */
type Input = { topic: 'scores'; value: ScoreChanged } | { topic: 'alerts'; value: AlertLifecycleEvent } | { topic: 'incidents'; value: IncidentLifecycleEvent };

/** The consumer on the real repositories; `statements` counts the queries of each transaction. */
function consumer() {
  const { transactions: counting, statements } = countingTransactions(dataSource);
  const relay = { nudge: () => undefined } as unknown as OutboxRelay;
  const handler = new PlaybookConsumer(counting as unknown as DataSource, new PlaybookRunner(definitions, new RunRepository()), relay, new KpiReadModelRepository());
  return { handler, statements };
}

function batchOf<T>(topic: string, values: readonly T[]): DecodedBatch<T> {
  return {
    topic,
    partition: 0,
    records: values.map((value, index) => ({ topic, partition: 0, offset: String(index), key: null, value, headers: {}, timestamp: '0' })),
    heartbeat: async () => undefined,
  };
}

/** Hands `inputs` to the consumer as batches of consecutive records of one topic, at most `size` each. */
async function feed(handler: PlaybookConsumer, inputs: readonly Input[], size: number): Promise<void> {
  for (let start = 0; start < inputs.length; ) {
    const topic = inputs[start]?.topic;
    let end = start;
    while (end < inputs.length && end - start < size && inputs[end]?.topic === topic) end += 1;
    const values = inputs.slice(start, end).map((input) => input.value);
    if (topic === 'scores') await handler.handleScores(batchOf(Topics.scores, values as ScoreChanged[]));
    else if (topic === 'alerts') await handler.handleAlerts(batchOf(Topics.alerts, values as AlertLifecycleEvent[]));
    else await handler.handleIncidents(batchOf(Topics.incidents, values as IncidentLifecycleEvent[]));
    start = end;
  }
}

const SEGMENT_CHOICES: readonly Segment[] = ['at_risk', 'at_risk', 'stable', 'loyal'];
const STAGE_CHOICES: readonly LifecycleStage[] = ['adoption', 'growth', 'renewal', 'renewal'];

/**
 * Random histories of `accounts` accounts: score changes hours apart that move between segments,
 * bands and stages (starting, advancing, waking and exiting runs), a churn and a reactivation now
 * and then, a change that arrives after a newer one, a change delivered twice; between them alerts
 * of the red rule (twice for one account at times) and risk incidents that rise in severity.
 */
function histories(prefix: string, accounts: number, changesEach: number, seed: string): Input[] {
  const random = new SeededRandom(seed);
  const perAccount: Input[][] = [];
  for (let a = 0; a < accounts; a += 1) {
    const accountId = `${prefix}-${a}`;
    const inputs: Input[] = [];
    let at = Date.parse('2026-07-01T00:00:00.000Z');
    let before = scoreSnapshot({ segment: 'stable', stage: 'adoption' });
    let churned = false;
    for (let sequence = 1; sequence <= changesEach; sequence += 1) {
      at += random.int(1, 30) * 3_600_000;
      const health = random.int(10, 95);
      const after = scoreSnapshot({
        health,
        band: health < 40 ? 'red' : health < 70 ? 'yellow' : 'green',
        segment: random.chance(0.5) ? before.segment : (SEGMENT_CHOICES[random.int(0, SEGMENT_CHOICES.length - 1)] ?? 'stable'),
        stage: random.chance(0.7) ? before.stage : (STAGE_CHOICES[random.int(0, STAGE_CHOICES.length - 1)] ?? 'adoption'),
      });
      if (random.chance(0.06)) churned = !churned;
      const eventTime = new Date(at).toISOString();
      const change = scoreChanged({
        accountId,
        changeId: `${accountId}:${sequence}`,
        sequence,
        eventTime,
        before: sequence === 1 && random.chance(0.5) ? null : before,
        after,
        account: { ...(a % 4 === 3 ? {} : { csmId: `csm-${a % 3}` }), mrr: 500, ...(churned ? { churnedAt: eventTime.slice(0, 10) } : {}) },
      });
      inputs.push({ topic: 'scores', value: change });
      if (random.chance(0.05)) inputs.push({ topic: 'scores', value: change });
      if (random.chance(0.15)) {
        const alertId = `al-${accountId}-${sequence}`;
        inputs.push({ topic: 'alerts', value: alertLifecycleEvent({ alertId, accountId, queue: `csm:csm-${a % 3}`, occurredAt: eventTime }) });
        if (random.chance(0.3)) inputs.push({ topic: 'alerts', value: alertLifecycleEvent({ alertId: `${alertId}-b`, accountId, queue: `csm:csm-${a % 3}`, occurredAt: eventTime }) });
      }
      if (random.chance(0.1)) {
        const incidentId = `in-${accountId}-${sequence}`;
        const step = (revision: number, kind: IncidentLifecycleEvent['kind'], severity: IncidentLifecycleEvent['severity']) =>
          ({ topic: 'incidents', value: incidentLifecycleEvent({ incidentId, revision, kind, severity, accountId, openedAt: eventTime, occurredAt: eventTime }) }) as const;
        inputs.push(step(1, 'opened', 'medium'), step(2, 'escalated', 'high'), step(3, 'updated', 'critical'));
      }
      before = after;
    }
    // Now and then a change arrives after a newer one of its account.
    for (let i = 1; i < inputs.length; i += 1) {
      const [earlier, later] = [inputs[i - 1], inputs[i]];
      if (earlier?.topic === 'scores' && later?.topic === 'scores' && earlier.value.changeId !== later.value.changeId && random.chance(0.08)) [inputs[i - 1], inputs[i]] = [later, earlier];
    }
    perAccount.push(inputs);
  }
  // Interleaved across accounts, each account's records in order, as a partition holds them.
  const merged: Input[] = [];
  const cursors = perAccount.map(() => 0);
  while (cursors.some((cursor, a) => cursor < (perAccount[a]?.length ?? 0))) {
    const a = random.int(0, accounts - 1);
    const next = perAccount[a]?.[cursors[a] ?? 0];
    if (!next) continue;
    merged.push(next);
    cursors[a] = (cursors[a] ?? 0) + 1;
  }
  return merged;
}

/** What the runs' consumers stored for accounts `<prefix>-*`: runs, tasks, deliveries, snapshots and the run events in outbox order. */
async function storedState(prefix: string): Promise<{ runs: unknown[]; tasks: unknown[]; deliveries: unknown[]; snapshots: unknown[]; events: PlaybookRunEvent[] }> {
  const q = async (sql: string) => (await dataSource.query(sql, [`${prefix}-%`])) as unknown[];
  return {
    runs: await q(`SELECT id, playbook_id, playbook_version, variant_id, account_id, queue, status, wake_at, outcome, state, trigger, last_error FROM playbook.runs
                   WHERE account_id LIKE $1 ORDER BY id`),
    tasks: await q(`SELECT id, run_id, account_id, step_id, role, title, template, queue, due_at, status FROM playbook.tasks WHERE account_id LIKE $1 ORDER BY id`),
    deliveries: await q(`SELECT d.id, d.run_id, d.kind, d.target, d.status, d.attempts, d.payload FROM playbook.deliveries d JOIN playbook.runs r ON r.id = d.run_id
                         WHERE r.account_id LIKE $1 ORDER BY d.id`),
    snapshots: await q('SELECT account_id, snapshot, sequence FROM playbook.account_snapshots WHERE account_id LIKE $1 ORDER BY account_id'),
    events: ((await q(`SELECT payload FROM playbook.outbox WHERE key LIKE $1 ORDER BY id`)) as { payload: PlaybookRunEvent }[]).map((row) => row.payload),
  };
}

async function forget(prefix: string): Promise<void> {
  await dataSource.query('DELETE FROM playbook.deliveries d USING playbook.runs r WHERE r.id = d.run_id AND r.account_id LIKE $1', [`${prefix}-%`]);
  for (const table of ['tasks', 'runs', 'account_snapshots']) await dataSource.query(`DELETE FROM playbook.${table} WHERE account_id LIKE $1`, [`${prefix}-%`]);
  await dataSource.query('DELETE FROM playbook.outbox WHERE key LIKE $1', [`${prefix}-%`]);
  await dataSource.query(`DELETE FROM playbook.processed_messages WHERE message_id ~ $1`, [`^(score|alert|incident):(al-|in-)?${prefix}-`]);
}

const RUN_METRICS = ['bellwether_playbook_runs_started_total', 'bellwether_playbook_runs_ended_total', 'bellwether_playbook_tasks_created_total', 'bellwether_playbook_runs_not_started_churned_total'];

/** The runner's counters, each labelled value as `name{labels}` → value. */
async function runMetrics(): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const metric of await register.getMetricsAsJSON()) {
    if (!RUN_METRICS.includes(metric.name)) continue;
    for (const value of metric.values) values.set(`${metric.name}${JSON.stringify(value.labels)}`, value.value);
  }
  return values;
}

/** How much each counter grew from `before` to `after`, the unchanged ones left out. */
function growth(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].map(([key, value]): [string, number] => [key, value - (before.get(key) ?? 0)]).filter(([, grown]) => grown !== 0));
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
    const storedOneByOne = await storedState(prefix);
    await forget(prefix);
    expect(await storedState(prefix)).toEqual({ runs: [], tasks: [], deliveries: [], snapshots: [], events: [] });

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

    expect(await storedState(prefix)).toEqual(storedOneByOne);
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
    const oneByOne = await storedState(prefix);
    await forget(prefix);
    await feed(consumer().handler, inputs, 5);
    const batched = await storedState(prefix);

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
    const oneByOne = await storedState(prefix);
    await forget(prefix);
    await feed(consumer().handler, inputs, 3);
    const batched = await storedState(prefix);

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

    const stored = await storedState(prefix);
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
    const once = await storedState(prefix);
    expect(once.events.length).toBeGreaterThan(0);

    await handler.handleScores(batchOf(Topics.scores, changes));
    expect(await storedState(prefix)).toEqual(once);
    expect(statements.at(-1)).toBe(1);
  });
});
