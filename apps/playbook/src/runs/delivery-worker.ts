import { createHmac } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { backoffDelay } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, IntervalWorker, OutboxRelay, retryConfig, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { PlaybookRunner } from './playbook-runner.service';

const deliveryMetrics = new Counter({ name: 'bellwether_playbook_deliveries_total', help: 'Email and webhook step deliveries by kind and result', labelNames: ['kind', 'result'] as const });

interface DeliveryRow {
  id: string;
  run_id: string;
  kind: 'email' | 'webhook';
  target: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * Performs email and webhook steps. Each delivery is a row keyed by the step's idempotency key,
 * so it happens at most once in effect; a failure retries with exponential backoff
 * (DELIVERY_BACKOFF_*, shared retry config), and after
 * DELIVERY_MAX_ATTEMPTS the delivery fails and its run is parked with the error. Emails go to
 * the EMAIL_WEBHOOK_URL adapter; without one they are marked skipped (visible, not lost silently).
 * Deliveries run on the wall clock in every CLOCK_MODE, unlike waits: a retry's backoff waits for
 * a real endpoint to recover, and a parked run's time is when the operator's problem began.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop = new IntervalWorker(500, () => this.deliverDue());

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
    private readonly env: PlaybookEnv,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async deliverDue(): Promise<void> {
    let parked = false;
    await this.dataSource
      .transaction(async (manager) => {
        const due = (await manager.query(
          `SELECT id, run_id, kind, target, payload, attempts FROM playbook.deliveries
           WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED`,
        )) as DeliveryRow[];
        for (const delivery of due) {
          const url = delivery.kind === 'webhook' ? delivery.target : this.env.EMAIL_WEBHOOK_URL;
          if (!url) {
            deliveryMetrics.inc({ kind: delivery.kind, result: 'skipped' });
            await manager.query(`UPDATE playbook.deliveries SET status = 'skipped', last_error = 'no email adapter configured (EMAIL_WEBHOOK_URL)' WHERE id = $1`, [delivery.id]);
            continue;
          }
          const error = await this.post(url, delivery);
          const attempts = delivery.attempts + 1;
          if (!error) {
            deliveryMetrics.inc({ kind: delivery.kind, result: 'delivered' });
            await manager.query(`UPDATE playbook.deliveries SET status = 'delivered', attempts = $2, last_error = NULL WHERE id = $1`, [delivery.id, attempts]);
          } else if (attempts >= retryConfig(this.env).deliveryMaxAttempts) {
            deliveryMetrics.inc({ kind: delivery.kind, result: 'failed' });
            await manager.query(`UPDATE playbook.deliveries SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1`, [delivery.id, attempts, error]);
            await this.runner.park(manager, delivery.run_id, `${delivery.kind} step ${String(delivery.payload['stepId'])} failed ${attempts} times: ${error}`, new Date().toISOString());
            parked = true;
          } else {
            deliveryMetrics.inc({ kind: delivery.kind, result: 'retry' });
            const delayMs = backoffDelay(retryConfig(this.env).deliveryBackoff, attempts);
            await manager.query(`UPDATE playbook.deliveries SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1`, [
              delivery.id,
              attempts,
              error,
              delayMs / 1000,
            ]);
          }
        }
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'delivery pass failed; will retry'));
    if (parked) this.relay.nudge();
  }

  /** Returns the error, or null when the endpoint answered 2xx. */
  private async post(url: string, delivery: DeliveryRow): Promise<string | null> {
    const body = JSON.stringify({ deliveryId: delivery.id, kind: delivery.kind, ...delivery.payload });
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = process.env['PLAYBOOK_WEBHOOK_SECRET'];
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'bellwether-delivery-id': delivery.id,
          ...(secret ? { 'bellwether-signature': `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
      return response.status >= 200 && response.status < 300 ? null : `answered ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
