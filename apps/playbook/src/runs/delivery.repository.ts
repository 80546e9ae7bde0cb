import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { AccountProfile, AccountSnapshot, TriggerEvent } from '@bellwether/playbook-domain';
import { type ClaimedDelivery, DeliveryResults, SERVICE_DATA_SOURCE } from '@bellwether/platform';

/**
 * What an email renders beside its delivery row, read with the claim: its run (playbook version,
 * variant, queue, trigger) and the account's newest snapshot and profile (null before the first
 * score change, and the profile for a snapshot stored before profiles were kept).
 */
export interface DeliveryRunContext {
  readonly accountId: string;
  readonly playbookVersion: number;
  readonly variantId: string;
  /** The queue of the run's tasks: `csm:<id>` names the owner CSM when the run started. */
  readonly queue: string;
  readonly trigger: TriggerEvent;
  readonly snapshot: AccountSnapshot | null;
  readonly profile: AccountProfile | null;
}

/** A claimed row of `playbook.deliveries`: an email or webhook step, `id` its idempotency key. */
export interface PlaybookDelivery extends ClaimedDelivery {
  readonly runId: string;
  readonly kind: 'email' | 'webhook';
  /** The webhook's URL, or the email's template. */
  readonly target: string;
  /** Run, account, playbook and step ids (and the email's template and recipient), sent in the body. */
  readonly payload: Record<string, unknown>;
  readonly context: DeliveryRunContext;
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
  account_id: string;
  playbook_version: number;
  variant_id: string;
  queue: string;
  trigger: TriggerEvent;
  snapshot: AccountSnapshot | null;
  profile: AccountProfile | null;
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
   * backoff does not hold it back. Each row comes with its run's context (`DeliveryRunContext`),
   * read by the same statement.
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
       ) SELECT c.id, c.run_id, c.kind, c.target, c.payload, c.attempts, c.claimed_until,
           r.account_id, r.playbook_version, r.variant_id, r.queue, r.trigger, s.snapshot, s.profile
         FROM claimed c JOIN playbook.runs r ON r.id = c.run_id LEFT JOIN playbook.account_snapshots s ON s.account_id = r.account_id
         ORDER BY c.created_at`,
      [now, limit, claimedUntil],
    )) as DeliveryRow[];
    return rows.map((row) => ({
      id: row.id,
      runId: row.run_id,
      kind: row.kind,
      target: row.target,
      payload: row.payload,
      attempts: row.attempts,
      claimedUntil: row.claimed_until,
      context: {
        accountId: row.account_id,
        playbookVersion: row.playbook_version,
        variantId: row.variant_id,
        queue: row.queue,
        trigger: row.trigger,
        snapshot: row.snapshot,
        profile: row.profile,
      },
    }));
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
