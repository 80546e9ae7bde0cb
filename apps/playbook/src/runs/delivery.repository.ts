import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { type ClaimedDelivery, DeliveryResults, SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** A claimed row of `playbook.deliveries`: an email or webhook step, `id` its idempotency key. */
export interface PlaybookDelivery extends ClaimedDelivery {
  readonly runId: string;
  readonly kind: 'email' | 'webhook';
  /** The webhook's URL, or the email's template. */
  readonly target: string;
  /** Run, account, playbook and step ids (and the email's template and recipient), sent in the body. */
  readonly payload: Record<string, unknown>;
}

/** The lease-guarded result writes of this table. */
const results = new DeliveryResults('playbook.deliveries', 'id');

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
    return results.delivered(this.dataSource, delivery, attempts);
  }

  /** Back to pending, due at `nextAttemptAt`; false when this claim no longer held the row (nothing recorded). */
  async recordRetry(delivery: PlaybookDelivery, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean> {
    return results.retry(this.dataSource, delivery, attempts, error, nextAttemptAt);
  }

  /**
   * Marks the delivery failed and, in the same transaction and only if this claim still held the
   * row, runs `alsoInTransaction` (the run is parked with the error). False when the claim no longer held it.
   */
  async recordFailed(delivery: PlaybookDelivery, attempts: number, error: string, alsoInTransaction: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await results.failed(manager, delivery, attempts, error))) return false;
      await alsoInTransaction(manager);
      return true;
    });
  }

  /** Not sent (no adapter), with the reason; false when this claim no longer held the row (nothing recorded). */
  async recordSkipped(delivery: PlaybookDelivery, reason: string): Promise<boolean> {
    return results.skipped(this.dataSource, delivery, reason);
  }
}
