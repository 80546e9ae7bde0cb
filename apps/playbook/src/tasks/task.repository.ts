import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A task in a CSM, team or manager queue, as the tasks API returns it. */
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

/** Tasks of a queue (due first) and their completion; works in the caller's transaction (`manager`). */
@Injectable()
export class TaskRepository {
  /** Up to `limit` tasks of a queue with a status, due first. */
  async listQueue(manager: EntityManager, queue: string, status: string, limit: number): Promise<TaskRow[]> {
    return (await manager.query(`SELECT ${taskColumns} FROM playbook.tasks WHERE queue = $1 AND status = $2 ORDER BY due_at, created_at LIMIT $3`, [queue, status, limit])) as TaskRow[];
  }

  /** A task, locked for this transaction; null when there is none. */
  async findForUpdate(manager: EntityManager, taskId: string): Promise<TaskRow | null> {
    const [row] = (await manager.query(`SELECT ${taskColumns} FROM playbook.tasks WHERE id = $1 FOR UPDATE`, [taskId])) as TaskRow[];
    return row ?? null;
  }

  /** Marks a task done by a key (`by`, its id), with an optional note. */
  async complete(manager: EntityManager, taskId: string, by: string, note: string | null): Promise<void> {
    await manager.query(`UPDATE playbook.tasks SET status = 'done', completed_at = now(), completed_by = $2, note = $3 WHERE id = $1`, [taskId, by, note]);
  }
}
