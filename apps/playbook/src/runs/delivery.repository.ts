import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { type ClaimedDelivery, SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** A claimed row of `playbook.deliveries`: an email or webhook step, `id` its idempotency key. */
export interface PlaybookDelivery extends ClaimedDelivery {
  readonly runId: string;
  readonly kind: 'email' | 'webhook';
  /** The webhook's URL, or the email's template. */
  readonly target: string;
  /** Run, account, playbook and step ids (and the email's template and recipient), sent in the body. */
  readonly payload: Record<string, unknown>;
}

interface DeliveryRow {
  id: string;
  run_id: string;
  kind: 'email' | 'webhook';
  target: string;
  payload: Record<string, unknown>;
  attempts: number;
  claimed_until: Date;
}

/**
 * SQL of `playbook.deliveries` for the delivery worker: each method is one statement, or one
 * short transaction, so no lock outlives it. Rows are written by `RunRepository` with the step.
 */
@Injectable()
export class DeliveryRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Claims up to `limit` due pending rows whose lease has run out, oldest first, leased until `claimedUntil`. */
  async claimDue(limit: number, now: Date, claimedUntil: Date): Promise<PlaybookDelivery[]> {
    const rows = (await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM playbook.deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE playbook.deliveries d SET claimed_until = $3 FROM due WHERE d.id = due.id
         RETURNING d.id, d.run_id, d.kind, d.target, d.payload, d.attempts, d.claimed_until, d.created_at
       ) SELECT id, run_id, kind, target, payload, attempts, claimed_until FROM claimed ORDER BY created_at`,
      [now, limit, claimedUntil],
    )) as DeliveryRow[];
    return rows.map((row) => ({ id: row.id, runId: row.run_id, kind: row.kind, target: row.target, payload: row.payload, attempts: row.attempts, claimedUntil: row.claimed_until }));
  }

  async recordDelivered(delivery: PlaybookDelivery, attempts: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE playbook.deliveries SET status = 'delivered', attempts = $2, last_error = NULL, claimed_until = NULL WHERE id = $1 AND claimed_until = $3`,
      [delivery.id, attempts, delivery.claimedUntil],
    );
  }

  async recordRetry(delivery: PlaybookDelivery, attempts: number, error: string, nextAttemptAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE playbook.deliveries SET attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = NULL WHERE id = $1 AND claimed_until = $5`,
      [delivery.id, attempts, error, nextAttemptAt, delivery.claimedUntil],
    );
  }

  /**
   * Marks the delivery failed and, in the same transaction and only if this claim still held the
   * row, runs `alsoInTransaction` (the run is parked with the error).
   */
  async recordFailed(delivery: PlaybookDelivery, attempts: number, error: string, alsoInTransaction: (manager: EntityManager) => Promise<void>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `WITH failed AS (
           UPDATE playbook.deliveries SET status = 'failed', attempts = $2, last_error = $3, claimed_until = NULL WHERE id = $1 AND claimed_until = $4 RETURNING id
         ) SELECT id FROM failed`,
        [delivery.id, attempts, error, delivery.claimedUntil],
      )) as unknown[];
      if (rows.length > 0) await alsoInTransaction(manager);
    });
  }

  async recordSkipped(delivery: PlaybookDelivery, reason: string): Promise<void> {
    await this.dataSource.query(`UPDATE playbook.deliveries SET status = 'skipped', last_error = $2, claimed_until = NULL WHERE id = $1 AND claimed_until = $3`, [
      delivery.id,
      reason,
      delivery.claimedUntil,
    ]);
  }
}
