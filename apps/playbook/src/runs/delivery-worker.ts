import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { APP_LOGGER, type AppLogger, Clock, OutboxRelay, retryConfig, WebhookDeliveryWorker } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { DeliveryRepository, type PlaybookDelivery } from './delivery.repository';
import { PlaybookRunner } from './playbook-runner.service';

const deliveryMetrics = new Counter({ name: 'bellwether_playbook_deliveries_total', help: 'Email and webhook step deliveries by kind and result', labelNames: ['kind', 'result'] as const });

/**
 * Performs email and webhook steps. Each delivery is a row keyed by the step's idempotency key,
 * so it happens at most once in effect; a failure retries with exponential backoff
 * (DELIVERY_BACKOFF_*, shared retry config), and after
 * DELIVERY_MAX_ATTEMPTS the delivery fails and its run is parked with the error. Emails go to
 * the EMAIL_WEBHOOK_URL adapter; without one they are marked skipped (visible, not lost silently).
 * With PLAYBOOK_WEBHOOK_SECRET set, each request is signed (`Bellwether-Signature`, as alerting's).
 * Deliveries run on the wall clock (`Clock`) in every CLOCK_MODE, unlike waits: a retry's backoff
 * waits for a real endpoint to recover, and a parked run's time is when the operator's problem
 * began. The shared `WebhookDeliveryWorker` claims rows with a lease and sends with no
 * transaction open.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: WebhookDeliveryWorker<PlaybookDelivery>;

  constructor(repository: DeliveryRepository, runner: PlaybookRunner, relay: OutboxRelay, env: PlaybookEnv, clock: Clock, @Inject(APP_LOGGER) logger: AppLogger) {
    const retry = retryConfig(env);
    this.worker = new WebhookDeliveryWorker({
      name: 'playbook-deliveries',
      store: {
        claimDue: (limit, now, claimedUntil) => repository.claimDue(limit, now, claimedUntil),
        recordDelivered: (delivery, attempts) => repository.recordDelivered(delivery, attempts),
        recordRetry: (delivery, attempts, error, nextAttemptAt) => repository.recordRetry(delivery, attempts, error, nextAttemptAt),
        recordSkipped: (delivery, reason) => repository.recordSkipped(delivery, reason),
        recordFailed: (delivery, attempts, error) =>
          repository.recordFailed(delivery, attempts, error, (manager) =>
            runner.park(manager, delivery.runId, `${delivery.kind} step ${String(delivery.payload['stepId'])} failed ${attempts} times: ${error}`, clock.nowIso()),
          ),
      },
      retry: { backoff: retry.deliveryBackoff, maxAttempts: retry.deliveryMaxAttempts },
      clock,
      logger,
      plan: (delivery) => {
        const url = delivery.kind === 'webhook' ? delivery.target : env.EMAIL_WEBHOOK_URL;
        if (!url) return { skip: 'no email adapter configured (EMAIL_WEBHOOK_URL)' };
        return {
          send: {
            url,
            body: JSON.stringify({ deliveryId: delivery.id, kind: delivery.kind, ...delivery.payload }),
            headers: { 'content-type': 'application/json', 'bellwether-delivery-id': delivery.id },
            ...(env.PLAYBOOK_WEBHOOK_SECRET ? { signingSecret: env.PLAYBOOK_WEBHOOK_SECRET } : {}),
          },
        };
      },
      onResult: (delivery, result) => {
        deliveryMetrics.inc({ kind: delivery.kind, result });
        // The parked run's event is in the outbox: publish it now rather than on the relay's next tick.
        if (result === 'failed') relay.nudge();
      },
    });
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}
