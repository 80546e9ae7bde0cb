import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type PlaybookRunEvent } from '@bellwether/contracts';
import type { AccountSnapshot, RunState } from '@bellwether/playbook-domain';
import { enqueueOutbox, lockAccounts } from '@bellwether/platform';
import { PLAYBOOK_SCHEMA } from '../migrations';
import type { EffectWrite, RunBatchWrites, RunBatchWritten, RunInsert, RunWorkingSetRead, StoredRun, StoredSnapshot } from './run-working-set';

/** The namespace of the playbook's account locks (`lockAccounts`). */
const PLAYBOOK_ACCOUNT_LOCKS = 'playbook';

/**
 * SQL of the playbook runs: processed message ids, account snapshots, runs, their task and
 * delivery effects, and run events in the outbox. Parameterized statements only, set-based: a
 * batch reads (`readWorkingSet`) and writes (`writeBatch`, `enqueueRunEvents`) in a constant
 * number of statements whatever its size. Every method works in the caller's transaction
 * (`manager`), so a batch's effects commit together.
 */
/** The newest trigger event time (ISO-8601) of a batch of `topic`'s `partition`. */
export interface TriggerWatermark {
  readonly topic: string;
  readonly partition: number;
  readonly eventTime: string | null;
}

@Injectable()
export class RunRepository {
  /**
   * Records message ids; returns the ones never processed before. In the same statement, moves
   * the `watermark`'s partition forward to its event time (forward only; none when null).
   */
  async claimMessages(manager: EntityManager, ids: readonly string[], watermark?: TriggerWatermark): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = (await manager.query(
      `WITH watermark AS (
         INSERT INTO playbook.trigger_watermarks (topic, partition, watermark)
         SELECT $2::text, $3::int, $4::timestamptz WHERE $4::timestamptz IS NOT NULL
         ON CONFLICT (topic, partition) DO UPDATE SET watermark = GREATEST(playbook.trigger_watermarks.watermark, EXCLUDED.watermark)
         RETURNING 1
       )
       INSERT INTO playbook.processed_messages (message_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING message_id`,
      [ids, watermark?.topic ?? null, watermark?.partition ?? null, watermark?.eventTime ?? null],
    )) as { message_id: string }[];
    return new Set(rows.map((row) => row.message_id));
  }

  /**
   * The newest trigger event time processed on each topic partition (ISO-8601), for
   * `activationPoint`. Takes the table in SHARE mode until the caller's transaction ends: waits for
   * batches that have claimed (moved their row) to commit, and holds new claims back meanwhile.
   */
  async triggerWatermarks(manager: EntityManager): Promise<string[]> {
    await manager.query('LOCK TABLE playbook.trigger_watermarks IN SHARE MODE');
    const rows = (await manager.query('SELECT watermark FROM playbook.trigger_watermarks')) as { watermark: Date }[];
    return rows.map((row) => row.watermark.toISOString());
  }

  /**
   * Locks and reads what a batch of the accounts' records decides on (three statements): the
   * accounts' advisory locks (`lockAccounts`: striped, at most `ACCOUNT_LOCK_STRIPES`, taken in one
   * statement in ascending order, so that batches of other topics or replicas sharing accounts wait
   * rather than deadlock, and none starts a run the batch cannot see); their snapshots; and their
   * live runs together with the stored runs among `runIds` (the ids the batch's triggers would
   * start), rows locked in id order.
   */
  async readWorkingSet(manager: EntityManager, accountIds: readonly string[], runIds: readonly string[]): Promise<RunWorkingSetRead> {
    await lockAccounts(manager, PLAYBOOK_ACCOUNT_LOCKS, accountIds);
    const snapshots = await this.snapshotsOf(manager, accountIds);
    const rows = (await manager.query(
      `SELECT state, queue, status IN ('running', 'waiting') AS live FROM playbook.runs
       WHERE (account_id = ANY($1::text[]) AND status IN ('running', 'waiting')) OR id = ANY($2::text[])
       ORDER BY id FOR UPDATE`,
      [accountIds, runIds],
    )) as { state: RunState; queue: string; live: boolean }[];
    const candidates = new Set(runIds);
    return {
      snapshots,
      liveRuns: rows.filter((row) => row.live).map(({ state, queue }) => ({ state, queue })),
      storedRunIds: new Set(rows.map((row) => row.state.runId).filter((runId) => candidates.has(runId))),
    };
  }

  /** The accounts' latest snapshots (band, segment, health, churned) with their sequence; an account before its first score change has none. */
  async snapshotsOf(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, StoredSnapshot>> {
    if (accountIds.length === 0) return new Map();
    const rows = (await manager.query('SELECT account_id, snapshot, sequence FROM playbook.account_snapshots WHERE account_id = ANY($1::text[])', [accountIds])) as {
      account_id: string;
      snapshot: AccountSnapshot;
      sequence: number;
    }[];
    return new Map(rows.map((row) => [row.account_id, { snapshot: row.snapshot, sequence: row.sequence }]));
  }

  /** Waiting runs whose time has come, locked so that parallel schedulers never take the same one. */
  async dueRuns(manager: EntityManager, now: string, limit: number): Promise<StoredRun[]> {
    return (await manager.query(
      `SELECT state, queue FROM playbook.runs WHERE status = 'waiting' AND wake_at <= $1 ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    )) as StoredRun[];
  }

  /**
   * Writes a batch, at most one statement each, in this order: snapshots with their profiles (a
   * stored one is replaced only by a higher sequence, as score changes may arrive out of order); the new states of stored
   * runs (first, so that a run the batch ended frees its playbook for a run it started); the
   * started runs (ON CONFLICT DO NOTHING: one live run per account and playbook, ids once); then
   * the tasks and deliveries of stored and inserted runs, each key once (their primary key).
   * Returns the started runs inserted and the effect keys stored for the first time.
   */
  async writeBatch(manager: EntityManager, writes: RunBatchWrites): Promise<RunBatchWritten> {
    if (writes.snapshots.length > 0) {
      await manager.query(
        `INSERT INTO playbook.account_snapshots (account_id, snapshot, sequence, profile)
         SELECT account_id, snapshot, sequence, profile FROM jsonb_to_recordset($1::jsonb) AS r(account_id text, snapshot jsonb, sequence integer, profile jsonb)
         ON CONFLICT (account_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, sequence = EXCLUDED.sequence, profile = EXCLUDED.profile
         WHERE playbook.account_snapshots.sequence < EXCLUDED.sequence`,
        [JSON.stringify(writes.snapshots.map((write) => ({ account_id: write.accountId, snapshot: write.snapshot, sequence: write.sequence, profile: write.profile ?? null })))],
      );
    }
    if (writes.updatedRuns.length > 0) {
      await manager.query(
        `UPDATE playbook.runs r SET status = w.status, wake_at = w.wake_at, outcome = w.outcome, state = w.state, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS w(id text, status text, wake_at timestamptz, outcome text, state jsonb)
         WHERE r.id = w.id`,
        [JSON.stringify(writes.updatedRuns.map((state) => ({ id: state.runId, status: state.status, wake_at: state.wakeAt ?? null, outcome: state.outcome ?? null, state })))],
      );
    }
    const insertedRunIds = await insertRuns(manager, writes.insertedRuns);
    // A started run the insert skipped (a conflict the batch could not see) gets no effects.
    const started = new Set(writes.insertedRuns.map((run) => run.state.runId));
    const effects = writes.effects.filter((write) => !started.has(write.run.runId) || insertedRunIds.has(write.run.runId));
    const freshTasks = await insertTasks(manager, effects);
    const freshDeliveries = await insertDeliveries(manager, effects);
    return { insertedRunIds, freshEffectKeys: new Set([...freshTasks, ...freshDeliveries]) };
  }

  /**
   * Parks a run (status and state `parked`, the error kept, at most 2000 characters); returns its
   * state, or null when there is no such run or it was parked already.
   */
  async parkRun(manager: EntityManager, runId: string, error: string): Promise<RunState | null> {
    const rows = (await manager.query(
      // Wrapped in a CTE: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH parked AS (
         UPDATE playbook.runs SET status = 'parked', last_error = $2, state = jsonb_set(state, '{status}', '"parked"'), updated_at = now()
         WHERE id = $1 AND status <> 'parked' RETURNING state
       ) SELECT state FROM parked`,
      [runId, error],
    )) as { state: RunState }[];
    return rows[0]?.state ?? null;
  }

  /** The stored state of a run, or null when there is none. */
  async runState(manager: EntityManager, runId: string): Promise<RunState | null> {
    const [row] = (await manager.query('SELECT state FROM playbook.runs WHERE id = $1', [runId])) as { state: RunState }[];
    return row?.state ?? null;
  }

  /** Writes run events to the playbook outbox, keyed by account, with their id in `bw-event-id`. */
  async enqueueRunEvents(manager: EntityManager, events: readonly PlaybookRunEvent[]): Promise<void> {
    await enqueueOutbox(
      manager,
      PLAYBOOK_SCHEMA,
      events.map((event) => ({ topic: Topics.playbookRuns, key: event.accountId, payload: event, headers: { 'bw-event-id': event.eventId } })),
    );
  }
}

/** Inserts the started runs (ON CONFLICT DO NOTHING); returns the ids inserted. */
async function insertRuns(manager: EntityManager, runs: readonly RunInsert[]): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const rows = (await manager.query(
    `INSERT INTO playbook.runs (id, playbook_id, playbook_version, playbooks_version, variant_id, account_id, queue, status, wake_at, outcome, state, trigger)
     SELECT id, playbook_id, playbook_version, playbooks_version, variant_id, account_id, queue, status, wake_at, outcome, state, trigger
     FROM jsonb_to_recordset($1::jsonb) AS r(id text, playbook_id text, playbook_version integer, playbooks_version text, variant_id text, account_id text, queue text, status text,
       wake_at timestamptz, outcome text, state jsonb, trigger jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        runs.map(({ state, queue, trigger }) => ({
          id: state.runId,
          playbook_id: state.playbookId,
          playbook_version: state.playbookVersion,
          playbooks_version: state.playbooksVersion ?? null,
          variant_id: state.variantId,
          account_id: state.accountId,
          queue,
          status: state.status,
          wake_at: state.wakeAt ?? null,
          outcome: state.outcome ?? null,
          state,
          trigger,
        })),
      ),
    ],
  )) as { id: string }[];
  return new Set(rows.map((row) => row.id));
}

/** Inserts the task effects; returns the keys inserted (a key stored before is skipped). */
async function insertTasks(manager: EntityManager, effects: readonly EffectWrite[]): Promise<string[]> {
  const tasks = effects.flatMap(({ run, queue, effect }) =>
    effect.kind === 'create_task'
      ? [{ id: effect.key, run_id: run.runId, account_id: run.accountId, step_id: effect.stepId, role: effect.role, title: effect.title, template: effect.template ?? null, queue, due_at: effect.dueAt }]
      : [],
  );
  if (tasks.length === 0) return [];
  const rows = (await manager.query(
    `INSERT INTO playbook.tasks (id, run_id, account_id, step_id, role, title, template, queue, due_at)
     SELECT id, run_id, account_id, step_id, role, title, template, queue, due_at
     FROM jsonb_to_recordset($1::jsonb) AS t(id text, run_id text, account_id text, step_id text, role text, title text, template text, queue text, due_at timestamptz)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(tasks)],
  )) as { id: string }[];
  return rows.map((row) => row.id);
}

/** Inserts the email and webhook effects for the delivery worker; returns the keys inserted. */
async function insertDeliveries(manager: EntityManager, effects: readonly EffectWrite[]): Promise<string[]> {
  const deliveries = effects.flatMap(({ run, effect }) => {
    if (effect.kind === 'create_task') return [];
    const email = effect.kind === 'send_email';
    const payload = { runId: run.runId, accountId: run.accountId, playbookId: run.playbookId, stepId: effect.stepId, ...(email ? { template: effect.template, to: 'account_contact' } : {}) };
    return [{ id: effect.key, run_id: run.runId, kind: email ? 'email' : 'webhook', target: email ? effect.template : effect.url, payload }];
  });
  if (deliveries.length === 0) return [];
  const rows = (await manager.query(
    `INSERT INTO playbook.deliveries (id, run_id, kind, target, payload)
     SELECT id, run_id, kind, target, payload FROM jsonb_to_recordset($1::jsonb) AS d(id text, run_id text, kind text, target text, payload jsonb)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(deliveries)],
  )) as { id: string }[];
  return rows.map((row) => row.id);
}
