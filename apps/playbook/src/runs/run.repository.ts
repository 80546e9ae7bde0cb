import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type PlaybookRunEvent } from '@bellwether/contracts';
import type { AccountSnapshot, RunEffect, RunState } from '@bellwether/playbook-domain';
import { enqueueOutbox } from '@bellwether/platform';
import { PLAYBOOK_SCHEMA } from '../migrations';

/** A live or due run as stored: its state machine state and the queue its tasks go to. */
export interface StoredRun {
  readonly state: RunState;
  readonly queue: string;
}

/**
 * SQL of the playbook runs: processed message ids, account snapshots, runs, their task and
 * delivery effects, and run events in the outbox. Parameterized statements only. Every method
 * works in the caller's transaction (`manager`), so a batch's effects commit together.
 */
@Injectable()
export class RunRepository {
  /** Records message ids; returns the ones never processed before. */
  async claimMessages(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = (await manager.query(
      `INSERT INTO playbook.processed_messages (message_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING message_id`,
      [ids],
    )) as { message_id: string }[];
    return new Set(rows.map((row) => row.message_id));
  }

  /** The account's latest snapshot (band, segment, health, churned), or null before its first score change. */
  async snapshotOf(manager: EntityManager, accountId: string): Promise<AccountSnapshot | null> {
    const [row] = (await manager.query('SELECT snapshot FROM playbook.account_snapshots WHERE account_id = $1', [accountId])) as { snapshot: AccountSnapshot }[];
    return row?.snapshot ?? null;
  }

  /** Keeps the newest snapshot only (score changes of one account may arrive out of order). */
  async saveSnapshot(manager: EntityManager, accountId: string, snapshot: AccountSnapshot, sequence: number): Promise<void> {
    await manager.query(
      `INSERT INTO playbook.account_snapshots (account_id, snapshot, sequence) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, sequence = EXCLUDED.sequence
       WHERE playbook.account_snapshots.sequence < EXCLUDED.sequence`,
      [accountId, JSON.stringify(snapshot), sequence],
    );
  }

  /**
   * Inserts a new run unless the account already has a live run of that playbook (or the run id
   * exists). Returns whether it was inserted.
   */
  async insertRun(manager: EntityManager, run: RunState, queue: string, trigger: unknown): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO playbook.runs (id, playbook_id, playbook_version, variant_id, account_id, queue, status, wake_at, outcome, state, trigger)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT DO NOTHING RETURNING id`,
      [run.runId, run.playbookId, run.playbookVersion, run.variantId, run.accountId, queue, run.status, run.wakeAt ?? null, run.outcome ?? null, JSON.stringify(run), JSON.stringify(trigger)],
    )) as { id: string }[];
    return rows.length > 0;
  }

  /** Stores a run's new state (status, wake time and outcome as columns too). */
  async updateRun(manager: EntityManager, run: RunState): Promise<void> {
    await manager.query(`UPDATE playbook.runs SET status = $2, wake_at = $3, outcome = $4, state = $5, updated_at = now() WHERE id = $1`, [
      run.runId,
      run.status,
      run.wakeAt ?? null,
      run.outcome ?? null,
      JSON.stringify(run),
    ]);
  }

  /** The account's running and waiting runs, in id order, locked for this transaction. */
  async liveRunsOf(manager: EntityManager, accountId: string): Promise<StoredRun[]> {
    const rows = (await manager.query(`SELECT state, queue FROM playbook.runs WHERE account_id = $1 AND status IN ('running', 'waiting') ORDER BY id FOR UPDATE`, [
      accountId,
    ])) as { state: RunState; queue: string }[];
    return rows;
  }

  /** Waiting runs whose time has come, locked so that parallel schedulers never take the same one. */
  async dueRuns(manager: EntityManager, now: string, limit: number): Promise<StoredRun[]> {
    return (await manager.query(
      `SELECT state, queue FROM playbook.runs WHERE status = 'waiting' AND wake_at <= $1 ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    )) as StoredRun[];
  }

  /**
   * Performs task and delivery effects once each: their idempotency key is the primary key.
   * Returns false when the effect was recorded before; true for a new one and for effects that
   * store nothing (waits, the end).
   */
  async recordEffect(manager: EntityManager, run: RunState, queue: string, effect: RunEffect): Promise<boolean> {
    switch (effect.kind) {
      case 'create_task': {
        const rows = (await manager.query(
          `INSERT INTO playbook.tasks (id, run_id, account_id, step_id, role, title, template, queue, due_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [effect.key, run.runId, run.accountId, effect.stepId, effect.role, effect.title, effect.template ?? null, queue, effect.dueAt],
        )) as unknown[];
        return rows.length > 0;
      }
      case 'send_email':
      case 'call_webhook': {
        const target = effect.kind === 'send_email' ? effect.template : effect.url;
        const payload = { runId: run.runId, accountId: run.accountId, playbookId: run.playbookId, stepId: effect.stepId, ...(effect.kind === 'send_email' ? { template: effect.template, to: 'account_contact' } : {}) };
        const rows = (await manager.query(
          `INSERT INTO playbook.deliveries (id, run_id, kind, target, payload) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [effect.key, run.runId, effect.kind === 'send_email' ? 'email' : 'webhook', target, JSON.stringify(payload)],
        )) as unknown[];
        return rows.length > 0;
      }
      default:
        return true;
    }
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
