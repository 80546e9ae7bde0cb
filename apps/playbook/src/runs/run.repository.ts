import type { EntityManager } from 'typeorm';
import type { RunEffect, RunState } from '@bellwether/playbook-domain';
import type { AccountSnapshot } from '@bellwether/playbook-domain';

export interface StoredRun {
  readonly state: RunState;
  readonly queue: string;
}

/** SQL of the playbook schema; parameterized statements only. */
export class RunRepository {
  async claimMessages(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = (await manager.query(
      `INSERT INTO playbook.processed_messages (message_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING message_id`,
      [ids],
    )) as { message_id: string }[];
    return new Set(rows.map((row) => row.message_id));
  }

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

  /** Inserts a new run unless the account already has a live run of that playbook. */
  async insertRun(manager: EntityManager, run: RunState, queue: string, trigger: unknown): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO playbook.runs (id, playbook_id, playbook_version, variant_id, account_id, queue, status, wake_at, outcome, state, trigger)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT DO NOTHING RETURNING id`,
      [run.runId, run.playbookId, run.playbookVersion, run.variantId, run.accountId, queue, run.status, run.wakeAt ?? null, run.outcome ?? null, JSON.stringify(run), JSON.stringify(trigger)],
    )) as { id: string }[];
    return rows.length > 0;
  }

  async updateRun(manager: EntityManager, run: RunState): Promise<void> {
    await manager.query(`UPDATE playbook.runs SET status = $2, wake_at = $3, outcome = $4, state = $5, updated_at = now() WHERE id = $1`, [
      run.runId,
      run.status,
      run.wakeAt ?? null,
      run.outcome ?? null,
      JSON.stringify(run),
    ]);
  }

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

  /** Performs task and delivery effects once each: their idempotency key is the primary key. */
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
}

export interface TaskRow {
  readonly taskId: string;
  readonly runId: string;
  readonly accountId: string;
  readonly role: string;
  readonly title: string;
  readonly template: string | null;
  readonly queue: string;
  readonly dueAt: Date;
  readonly status: string;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly note: string | null;
}

const taskColumns = `id AS "taskId", run_id AS "runId", account_id AS "accountId", role, title, template, queue, due_at AS "dueAt",
  status, created_at AS "createdAt", completed_at AS "completedAt", note`;

/** Tasks of a queue (due first) and their completion. */
export class TaskRepository {
  async listQueue(manager: EntityManager, queue: string, status: string, limit: number): Promise<TaskRow[]> {
    return (await manager.query(`SELECT ${taskColumns} FROM playbook.tasks WHERE queue = $1 AND status = $2 ORDER BY due_at, created_at LIMIT $3`, [queue, status, limit])) as TaskRow[];
  }

  async findForUpdate(manager: EntityManager, taskId: string): Promise<TaskRow | null> {
    const [row] = (await manager.query(`SELECT ${taskColumns} FROM playbook.tasks WHERE id = $1 FOR UPDATE`, [taskId])) as TaskRow[];
    return row ?? null;
  }

  async complete(manager: EntityManager, taskId: string, by: string, note: string | null): Promise<void> {
    await manager.query(`UPDATE playbook.tasks SET status = 'done', completed_at = now(), completed_by = $2, note = $3 WHERE id = $1`, [taskId, by, note]);
  }
}
