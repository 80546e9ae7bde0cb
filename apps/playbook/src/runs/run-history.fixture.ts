import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { register } from 'prom-client';
import { Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent, type LifecycleStage, type PlaybookRunEvent, type ScoreChanged, type Segment } from '@bellwether/contracts';
import type { DecodedBatch } from '@bellwether/kafka';
import type { PlaybookDefinition } from '@bellwether/playbook-domain';
import { alertLifecycleEvent, incidentLifecycleEvent, scoreChanged, scoreSnapshot, SeededRandom } from '@bellwether/testing';
import type { PlaybookConsumer } from './playbook.consumer';

// Histories of the runs' consumers for the integration tests on a real Postgres (playbook-batches,
// playbook-golden): the playbooks, deterministic record histories, a feeder that batches them, and
// what the consumers stored. Depends only on the consumer's handlers, so the golden's recorder can
// run it against the record-by-record code (commit 63fcf59) too.

/** Segment entered at_risk: a task, an email, a branch on the band, a wait, a webhook; exits once recovered. */
export const onAtRisk: PlaybookDefinition = {
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
export const onLoyal: PlaybookDefinition = {
  id: 'it-loyal',
  version: 1,
  name: 'Entered loyal',
  trigger: { kind: 'segment_entered', segment: 'loyal' },
  steps: [{ kind: 'task', id: 'thank', role: 'csm', title: 'Thank them', dueInHours: 48 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};
export const onRenewal: PlaybookDefinition = {
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
export const onRed: PlaybookDefinition = {
  id: 'it-red',
  version: 1,
  name: 'Health entered red',
  trigger: { kind: 'alert_rule', ruleIds: ['health_entered_red'] },
  steps: [{ kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 24 }, { kind: 'wait', id: 'pause', hours: 36 }, { kind: 'end', id: 'done' }],
  exitCriteria: ['recovered'],
};
export const onIncident: PlaybookDefinition = {
  id: 'it-incident',
  version: 1,
  name: 'Serious risk incident',
  trigger: { kind: 'incident', category: 'risk', minSeverity: 'high' },
  steps: [{ kind: 'task', id: 'triage', role: 'manager', title: 'Triage', dueInHours: 4 }, { kind: 'wait', id: 'pause', hours: 72 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};
/** The playbooks the runs' consumers run in these tests. */
export const definitions: readonly PlaybookDefinition[] = [onAtRisk, onLoyal, onRenewal, onRed, onIncident];

/** A record for one of the runs' consumers. */
export type Input = { topic: 'scores'; value: ScoreChanged } | { topic: 'alerts'; value: AlertLifecycleEvent } | { topic: 'incidents'; value: IncidentLifecycleEvent };

/** A Kafka batch of `values` on `topic`, partition 0, offsets from 0. */
export function batchOf<T>(topic: string, values: readonly T[]): DecodedBatch<T> {
  return {
    topic,
    partition: 0,
    records: values.map((value, index) => ({ topic, partition: 0, offset: String(index), key: null, value, headers: {}, timestamp: '0' })),
    heartbeat: async () => undefined,
  };
}

/** Hands `inputs` to the consumer as batches of consecutive records of one topic, at most `size` each. */
export async function feed(handler: PlaybookConsumer, inputs: readonly Input[], size: number): Promise<void> {
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
 * Without `redeliveries` no change is delivered twice (the same random draws, so the same
 * history otherwise). Deterministic for a seed.
 */
export function histories(prefix: string, accounts: number, changesEach: number, seed: string, { redeliveries = true }: { redeliveries?: boolean } = {}): Input[] {
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
      if (random.chance(0.05) && redeliveries) inputs.push({ topic: 'scores', value: change });
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

/** The rows and run events of accounts `<prefix>-*`, each in a fixed order. */
export interface StoredState {
  readonly runs: unknown[];
  readonly tasks: unknown[];
  readonly deliveries: unknown[];
  readonly snapshots: unknown[];
  readonly events: PlaybookRunEvent[];
}

/** What the runs' consumers stored for accounts `<prefix>-*`: runs, tasks, deliveries, snapshots and the run events in outbox order. */
export async function storedState(dataSource: DataSource, prefix: string): Promise<StoredState> {
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

/** Deletes what the runs' consumers stored for accounts `<prefix>-*`, their claimed message ids included. */
export async function forget(dataSource: DataSource, prefix: string): Promise<void> {
  await dataSource.query('DELETE FROM playbook.deliveries d USING playbook.runs r WHERE r.id = d.run_id AND r.account_id LIKE $1', [`${prefix}-%`]);
  for (const table of ['tasks', 'runs', 'account_snapshots']) await dataSource.query(`DELETE FROM playbook.${table} WHERE account_id LIKE $1`, [`${prefix}-%`]);
  await dataSource.query('DELETE FROM playbook.outbox WHERE key LIKE $1', [`${prefix}-%`]);
  await dataSource.query(`DELETE FROM playbook.processed_messages WHERE message_id ~ $1`, [`^(score|alert|incident):(al-|in-)?${prefix}-`]);
}

const RUN_METRICS = ['bellwether_playbook_runs_started_total', 'bellwether_playbook_runs_ended_total', 'bellwether_playbook_tasks_created_total', 'bellwether_playbook_runs_not_started_churned_total'];

/** The runner's counters, each labelled value as `name{labels}` → value. */
export async function runMetrics(): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const metric of await register.getMetricsAsJSON()) {
    if (!RUN_METRICS.includes(metric.name)) continue;
    for (const value of metric.values) values.set(`${metric.name}${JSON.stringify(value.labels)}`, value.value);
  }
  return values;
}

/** How much each counter grew from `before` to `after`, the unchanged ones left out. */
export function growth(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].map(([key, value]): [string, number] => [key, value - (before.get(key) ?? 0)]).filter(([, grown]) => grown !== 0));
}

/**
 * One account whose change arrives after a newer one while a run is live: seq 1 enters at_risk
 * (red: the at-risk run calls, warns, escalates and waits 24 h), seq 3 (1 h later, still red)
 * arrives, then seq 2 (green and stable, between them in time). The late change is not the
 * account's snapshot (seq 3 is newer), but the record-by-record code advanced the live runs on the
 * change's own snapshot, so the run exits `recovered` there; on the newest snapshot it would still
 * wait. Seq 4 (30 h on, red again) would then wake it.
 */
export function lateChangeHistory(accountId: string): Input[] {
  const at = (hours: number) => new Date(Date.parse('2026-07-01T00:00:00.000Z') + hours * 3_600_000).toISOString();
  const red = scoreSnapshot({ health: 30, band: 'red', segment: 'at_risk', stage: 'adoption' });
  const green = scoreSnapshot({ health: 90, band: 'green', segment: 'stable', stage: 'adoption' });
  const change = (sequence: number, hours: number, before: ReturnType<typeof scoreSnapshot>, after: ReturnType<typeof scoreSnapshot>): Input => ({
    topic: 'scores',
    value: scoreChanged({ accountId, changeId: `${accountId}:${sequence}`, sequence, eventTime: at(hours), before, after, account: { csmId: 'csm-late', mrr: 500 } }),
  });
  return [change(1, 0, scoreSnapshot({ segment: 'stable', stage: 'adoption' }), red), change(3, 2, green, { ...red, health: 25 }), change(2, 1, red, green), change(4, 30, { ...red, health: 25 }, red)];
}

/**
 * The golden history (`playbook-golden.json`, recorded from the record-by-record code): random
 * histories of 8 accounts, 30 changes each, with late changes, churns, alerts and incidents but no
 * change delivered twice (that code applied an in-batch copy twice), then `lateChangeHistory`.
 */
export function goldenHistory(): Input[] {
  return [...histories('golden', 8, 30, 'golden history', { redeliveries: false }), ...lateChangeHistory('golden-late')];
}

/** sha256 (hex) of the inputs' JSON: the golden records it, so a changed history fails as such, not as a changed outcome. */
export function digestOf(inputs: readonly Input[]): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}
