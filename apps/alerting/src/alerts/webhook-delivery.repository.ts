import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type ClaimedDelivery, DeliveryResults, type DeliveryStore, SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** A claimed row of `alerting.webhook_deliveries`: `id` is the lifecycle event's id. */
export interface WebhookDelivery extends ClaimedDelivery {
  /** The alert or incident lifecycle event, sent as the body. */
  readonly payload: unknown;
}

/** The lease-guarded result writes of this table. */
const results = new DeliveryResults('alerting.webhook_deliveries', 'event_id');

interface WebhookDeliveryRow {
  event_id: string;
  payload: unknown;
  attempts: number;
  claimed_until: Date;
}

/**
 * SQL of `alerting.webhook_deliveries` for the webhook sender: each method is one statement, so
 * no lock outlives it. Rows are written by `AlertRepository.enqueueWebhooks` with their event.
 */
@Injectable()
export class WebhookDeliveryRepository implements DeliveryStore<WebhookDelivery> {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * Claims up to `limit` due rows, oldest first (see `DeliveryStore.claimDue`). One subject's events
   * (an alert's, an incident's) go out one at a time in revision order, as they did when one pass
   * sent its rows one after the other: a row is not claimed while an earlier event of its subject
   * is due or under way. An earlier one that waits out a retry's backoff does not hold it back.
   */
  async claimDue(limit: number, now: Date, claimedUntil: Date): Promise<WebhookDelivery[]> {
    const subject = (row: string) => `coalesce('alert:' || (${row}.payload->>'alertId'), 'incident:' || (${row}.payload->>'incidentId'))`;
    const order = (row: string) => `(coalesce((${row}.payload->>'revision')::int, 0), ${row}.created_at)`;
    const rows = (await this.dataSource.query(
      `WITH due AS (
         SELECT d.event_id FROM alerting.webhook_deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
           AND NOT EXISTS (
             SELECT 1 FROM alerting.webhook_deliveries e
             WHERE e.status = 'pending' AND e.event_id <> d.event_id AND (e.next_attempt_at <= $1 OR e.claimed_until > $1)
               AND ${subject('e')} = ${subject('d')} AND ${order('e')} < ${order('d')}
           )
         ORDER BY d.created_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE alerting.webhook_deliveries d SET claimed_until = $3 FROM due WHERE d.event_id = due.event_id
         RETURNING d.event_id, d.payload, d.attempts, d.claimed_until, d.created_at
       ) SELECT event_id, payload, attempts, claimed_until FROM claimed ORDER BY created_at`,
      [now, limit, claimedUntil],
    )) as WebhookDeliveryRow[];
    return rows.map((row) => ({ id: row.event_id, payload: row.payload, attempts: row.attempts, claimedUntil: row.claimed_until }));
  }

  async recordDelivered(delivery: WebhookDelivery, attempts: number): Promise<boolean> {
    return results.delivered(this.dataSource, delivery, attempts);
  }

  async recordRetry(delivery: WebhookDelivery, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean> {
    return results.retry(this.dataSource, delivery, attempts, error, nextAttemptAt);
  }

  async recordFailed(delivery: WebhookDelivery, attempts: number, error: string): Promise<boolean> {
    return results.failed(this.dataSource, delivery, attempts, error);
  }

  /** Alerting sends every row (the sender runs only with a URL and a secret). */
  async recordSkipped(delivery: WebhookDelivery, reason: string): Promise<boolean> {
    return results.skipped(this.dataSource, delivery, reason);
  }
}
