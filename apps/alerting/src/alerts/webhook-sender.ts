import { createHmac } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { backoffDelay } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, IntervalWorker, retryConfig, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { AlertingEnv } from '../alerting.env';

const deliveries = new Counter({ name: 'bellwether_webhook_deliveries_total', help: 'Webhook delivery attempts by result', labelNames: ['result'] as const });

/** `Bellwether-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe-style). */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/** `incident` for a `bellwether.incidents.v1` payload (it has an `incidentId` and no `alertId`), else `alert`. */
export function webhookEventType(payload: unknown): 'alert' | 'incident' {
  const record = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return typeof record['incidentId'] === 'string' && record['alertId'] === undefined ? 'incident' : 'alert';
}

interface DeliveryRow {
  event_id: string;
  payload: unknown;
  attempts: number;
}

/**
 * For teams without Kafka: each alert lifecycle event (and, with WEBHOOK_EVENTS, each incident
 * lifecycle event; header `Bellwether-Event-Type: alert | incident`) is POSTed to WEBHOOK_URL, signed, retried
 * with exponential backoff (WEBHOOK_BACKOFF_*, shared retry config) until it is answered 2xx or
 * WEBHOOK_MAX_ATTEMPTS is reached (then it
 * is marked failed and counted). Deliveries are rows, so restarts lose nothing.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop = new IntervalWorker(500, () => this.sendDue());

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly env: AlertingEnv,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.WEBHOOK_URL || !this.env.WEBHOOK_SECRET) return;
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async sendDue(): Promise<void> {
    const url = this.env.WEBHOOK_URL as string;
    const secret = this.env.WEBHOOK_SECRET as string;
    await this.dataSource
      .transaction(async (manager) => {
        const due = (await manager.query(
          `SELECT event_id, payload, attempts FROM alerting.webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED`,
        )) as DeliveryRow[];
        for (const delivery of due) {
          const body = JSON.stringify(delivery.payload);
          let error: string | null = null;
          try {
            const response = await fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'bellwether-event-id': delivery.event_id,
                'bellwether-event-type': webhookEventType(delivery.payload),
                'bellwether-signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)),
              },
              body,
              signal: AbortSignal.timeout(5000),
            });
            if (response.status < 200 || response.status >= 300) error = `answered ${response.status}`;
          } catch (failure) {
            error = failure instanceof Error ? failure.message : String(failure);
          }
          const attempts = delivery.attempts + 1;
          if (!error) {
            deliveries.inc({ result: 'delivered' });
            await manager.query(`UPDATE alerting.webhook_deliveries SET status = 'delivered', attempts = $2, last_error = NULL WHERE event_id = $1`, [delivery.event_id, attempts]);
          } else if (attempts >= retryConfig(this.env).webhookMaxAttempts) {
            deliveries.inc({ result: 'failed' });
            this.logger.warn({ eventId: delivery.event_id, attempts, error }, 'webhook delivery failed for good');
            await manager.query(`UPDATE alerting.webhook_deliveries SET status = 'failed', attempts = $2, last_error = $3 WHERE event_id = $1`, [delivery.event_id, attempts, error]);
          } else {
            deliveries.inc({ result: 'retry' });
            const delayMs = backoffDelay(retryConfig(this.env).webhookBackoff, attempts);
            await manager.query(
              `UPDATE alerting.webhook_deliveries SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE event_id = $1`,
              [delivery.event_id, attempts, error, delayMs / 1000],
            );
          }
        }
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook pass failed; will retry'));
  }
}
