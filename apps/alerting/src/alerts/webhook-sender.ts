import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { IncidentLifecycleEvent } from '@bellwether/contracts';
import { slackIncidentMessage } from '@bellwether/alerting-domain';
import { APP_LOGGER, type AppLogger, Clock, type DeliveryPlan, retryConfig, WebhookDeliveryWorker } from '@bellwether/platform';
import { AlertingEnv } from '../alerting.env';
import { type WebhookDelivery, WebhookDeliveryRepository } from './webhook-delivery.repository';

const deliveries = new Counter({ name: 'bellwether_webhook_deliveries_total', help: 'Webhook delivery attempts by result', labelNames: ['result'] as const });

/** `incident` for a `bellwether.incidents.v1` payload (it has an `incidentId` and no `alertId`), else `alert`. */
export function webhookEventType(payload: unknown): 'alert' | 'incident' {
  const record = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return typeof record['incidentId'] === 'string' && record['alertId'] === undefined ? 'incident' : 'alert';
}

/**
 * For teams without Kafka: each alert lifecycle event (and, with WEBHOOK_EVENTS, each incident
 * lifecycle event; header `Bellwether-Event-Type: alert | incident`) is POSTed to WEBHOOK_URL,
 * as its JSON or, with WEBHOOK_FORMAT=slack, as a Slack incoming-webhook message of the incident
 * (`slackIncidentMessage`; alert events are then skipped), signed when WEBHOOK_SECRET is set
 * (`Bellwether-Signature`, `signWebhook` in libs/platform), retried with exponential
 * backoff (WEBHOOK_BACKOFF_*, shared retry config) until it is answered 2xx or
 * WEBHOOK_MAX_ATTEMPTS is reached (then it is marked failed and counted). Deliveries are rows,
 * so restarts lose nothing; the shared `WebhookDeliveryWorker` claims them with a lease and
 * sends with no transaction open.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: WebhookDeliveryWorker<WebhookDelivery>;

  constructor(
    repository: WebhookDeliveryRepository,
    private readonly env: AlertingEnv,
    clock: Clock,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    const retry = retryConfig(env);
    this.worker = new WebhookDeliveryWorker({
      name: 'alerting-webhook',
      store: repository,
      retry: { backoff: retry.webhookBackoff, maxAttempts: retry.webhookMaxAttempts },
      clock,
      logger,
      plan: (delivery): DeliveryPlan => {
        const eventType = webhookEventType(delivery.payload);
        if (env.WEBHOOK_FORMAT === 'slack' && eventType !== 'incident') return { skip: 'WEBHOOK_FORMAT=slack sends incident events only' };
        const body = env.WEBHOOK_FORMAT === 'slack' ? slackIncidentMessage(delivery.payload as IncidentLifecycleEvent, env.CONSOLE_BASE_URL as string) : delivery.payload;
        return {
          send: {
            url: env.WEBHOOK_URL as string,
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json', 'bellwether-event-id': delivery.id, 'bellwether-event-type': eventType },
            ...(env.WEBHOOK_SECRET ? { signingSecret: env.WEBHOOK_SECRET } : {}),
          },
        };
      },
      onResult: (delivery, result, outcome) => {
        deliveries.inc({ result });
        if (outcome?.kind === 'failed') logger.warn({ eventId: delivery.id, attempts: outcome.attempts, error: outcome.error }, 'webhook delivery failed for good');
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.env.WEBHOOK_URL || (!this.env.WEBHOOK_SECRET && this.env.WEBHOOK_FORMAT !== 'slack')) return;
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}
