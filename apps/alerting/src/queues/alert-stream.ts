import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { filter, interval, map, merge, Observable, Subject } from 'rxjs';
import { Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent } from '@bellwether/contracts';
import { KafkaConnection, TopicTail } from '@bellwether/kafka';
import { HealthRegistry } from '@bellwether/platform';

export interface StreamMessage {
  readonly type: string;
  readonly data: unknown;
  readonly id?: string;
}

const HEARTBEAT_MS = 15_000;

/**
 * Live queue streams from `bellwether.alerts.v1` and `bellwether.incidents.v1` themselves: every
 * replica reads the topics from their end, so a CSM connected to any replica sees every change,
 * whichever replica made it. Alert steps are SSE events `alert.<kind>`, incident steps
 * `incident.<kind>` (new names: a client that ignores unknown event names is unaffected).
 */
@Injectable()
export class AlertStream implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly events = new Subject<{ readonly type: string; readonly event: AlertLifecycleEvent | IncidentLifecycleEvent }>();
  private readonly tail: TopicTail;

  constructor(
    connection: KafkaConnection,
    private readonly health: HealthRegistry,
  ) {
    this.tail = new TopicTail(connection, [Topics.alerts, Topics.incidents], {
      fromBeginning: false,
      retain: false,
      onRecord: (record) => {
        const event = record.value as AlertLifecycleEvent | IncidentLifecycleEvent;
        this.events.next({ type: `${record.topic === Topics.incidents ? 'incident' : 'alert'}.${event.kind}`, event });
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // A dead reader would leave every open stream silent: let liveness restart the process.
    this.health.registerLiveness('alert-stream', () => this.tail.liveness());
    await this.tail.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.events.complete();
    await this.tail.stop();
  }

  /** One queue's alert and incident lifecycle events (its own and escalations into it), with heartbeats. */
  forQueue(queue: string): Observable<StreamMessage> {
    const changes = this.events.pipe(
      filter(({ event }) => event.queue === queue || event.escalatedTo === queue),
      map(({ type, event }): StreamMessage => ({ type, id: event.eventId, data: event })),
    );
    const heartbeats = interval(HEARTBEAT_MS).pipe(map((): StreamMessage => ({ type: 'heartbeat', data: {} })));
    return merge(changes, heartbeats);
  }
}
