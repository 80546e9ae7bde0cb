import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent } from '@bellwether/contracts';
import { enqueueOutbox } from '@bellwether/platform';
import { AlertingEnv } from '../alerting.env';
import { ALERTING_SCHEMA } from '../migrations';
import { AlertRepository } from './alert.repository';

/**
 * Where every lifecycle event goes, in the caller's transaction: the topic (outbox) and the
 * webhook (alerts and/or incidents, as WEBHOOK_EVENTS chooses).
 */
@Injectable()
export class AlertEvents {
  constructor(
    private readonly env: AlertingEnv,
    private readonly repository: AlertRepository,
  ) {}

  /** Alert lifecycle events: `bellwether.alerts.v1`, and the webhook when WEBHOOK_EVENTS has `alerts`. */
  async emit(manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<void> {
    await this.publish(manager, Topics.alerts, 'alerts', events);
  }

  /** Incident lifecycle events: `bellwether.incidents.v1`, and the webhook when WEBHOOK_EVENTS has `incidents`. */
  async emitIncidents(manager: EntityManager, events: readonly IncidentLifecycleEvent[]): Promise<void> {
    await this.publish(manager, Topics.incidents, 'incidents', events);
  }

  private async publish(manager: EntityManager, topic: string, webhookEvents: 'alerts' | 'incidents', events: readonly (AlertLifecycleEvent | IncidentLifecycleEvent)[]): Promise<void> {
    await enqueueOutbox(
      manager,
      ALERTING_SCHEMA,
      events.map((event) => ({ topic, key: event.accountId, payload: event, headers: { 'bw-event-id': event.eventId } })),
    );
    if (this.env.WEBHOOK_URL && this.env.WEBHOOK_EVENTS.includes(webhookEvents)) await this.repository.enqueueWebhooks(manager, events);
  }
}
