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

  /**
   * Claims up to `limit` due pending rows whose lease has run out, oldest first, leased until
   * `claimedUntil`. One run's deliveries go out one at a time in the order its steps made them, as
   * they did when one pass sent its rows one after the other: a row is not claimed while an
   * earlier delivery of its run is due or under way. An earlier one that waits out a retry's
   * backoff does not hold it back.
   */
  async claimDue(limit: number, now: Date, claimedUntil: Date): Promise<PlaybookDelivery[]> {
    const rows = (await this.dataSource.query(
      `WITH due AS (
         SELECT d.id FROM playbook.deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
           AND NOT EXISTS (
             SELECT 1 FROM playbook.deliveries e
             WHERE e.run_id = d.run_id AND e.status = 'pending' AND e.id <> d.id AND (e.next_attempt_at <= $1 OR e.claimed_until > $1)
               AND (e.created_at, e.id) < (d.created_at, d.id)
           )
         ORDER BY d.created_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE playbook.deliveries d SET claimed_until = $3 FROM due WHERE d.id = due.id
         RETURNING d.id, d.run_id, d.kind, d.target, d.payload, d.attempts, d.claimed_until, d.created_at
       ) SELECT id, run_id, kind, target, payload, attempts, claimed_until FROM claimed ORDER BY created_at`,
      [now, limit, claimedUntil],
    )) as DeliveryRow[];
    return rows.map((row) => ({ id: row.id, runId: row.run_id, kind: row.kind, target: row.target, payload: row.payload, attempts: row.attempts, claimedUntil: row.claimed_until }));
  }

  /** Delivered after `attempts` attempts; false when this claim no longer held the row (nothing recorded). */
  async recordDelivered(delivery: PlaybookDelivery, attempts: number): Promise<boolean> {
    return this.recordIfClaimed(`UPDATE playbook.deliveries SET status = 'delivered', attempts = $2, last_error = NULL, claimed_until = NULL WHERE id = $1 AND claimed_until = $3`, [
      delivery.id,
      attempts,
      delivery.claimedUntil,
    ]);
  }

  /** Back to pending, due at `nextAttemptAt`; false when this claim no longer held the row (nothing recorded). */
  async recordRetry(delivery: PlaybookDelivery, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean> {
    return this.recordIfClaimed(`UPDATE playbook.deliveries SET attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = NULL WHERE id = $1 AND claimed_until = $5`, [
      delivery.id,
      attempts,
      error,
      nextAttemptAt,
      delivery.claimedUntil,
    ]);
  }

  /**
   * Marks the delivery failed and, in the same transaction and only if this claim still held the
   * row, runs `alsoInTransaction` (the run is parked with the error). False when the claim no longer held it.
   */
  async recordFailed(delivery: PlaybookDelivery, attempts: number, error: string, alsoInTransaction: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `WITH failed AS (
           UPDATE playbook.deliveries SET status = 'failed', attempts = $2, last_error = $3, claimed_until = NULL WHERE id = $1 AND claimed_until = $4 RETURNING id
         ) SELECT id FROM failed`,
        [delivery.id, attempts, error, delivery.claimedUntil],
      )) as unknown[];
      if (rows.length === 0) return false;
      await alsoInTransaction(manager);
      return true;
    });
  }

  /** Not sent (no adapter), with the reason; false when this claim no longer held the row (nothing recorded). */
  async recordSkipped(delivery: PlaybookDelivery, reason: string): Promise<boolean> {
    return this.recordIfClaimed(`UPDATE playbook.deliveries SET status = 'skipped', last_error = $2, claimed_until = NULL WHERE id = $1 AND claimed_until = $3`, [
      delivery.id,
      reason,
      delivery.claimedUntil,
    ]);
  }

  /** Runs one `UPDATE … WHERE … AND claimed_until = <the claim's>`; true when it changed the row (the claim still held it). */
  private async recordIfClaimed(update: string, params: unknown[]): Promise<boolean> {
    // Wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count].
    const rows = (await this.dataSource.query(`WITH recorded AS (${update} RETURNING 1) SELECT count(*)::int AS n FROM recorded`, params)) as { n: number }[];
    return (rows[0]?.n ?? 0) > 0;
  }
}
