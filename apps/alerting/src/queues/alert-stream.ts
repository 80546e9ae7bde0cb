import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { filter, interval, map, merge, Observable, Subject } from 'rxjs';
import { Topics, type AlertLifecycleEvent } from '@bellwether/contracts';
import { KafkaConnection, TopicTail } from '@bellwether/kafka';
import { HealthRegistry } from '@bellwether/platform';

export interface StreamMessage {
  readonly type: string;
  readonly data: unknown;
  readonly id?: string;
}

const HEARTBEAT_MS = 15_000;

/**
 * Live queue streams from `bellwether.alerts.v1` itself: every replica reads the topic from its
 * end, so a CSM connected to any replica sees every change, whichever replica made it.
 */
@Injectable()
export class AlertStream implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly events = new Subject<AlertLifecycleEvent>();
  private readonly tail: TopicTail;

  constructor(
    connection: KafkaConnection,
    private readonly health: HealthRegistry,
  ) {
    this.tail = new TopicTail(connection, [Topics.alerts], { fromBeginning: false, retain: false, onRecord: (record) => this.events.next(record.value as AlertLifecycleEvent) });
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

  /** One queue's lifecycle events (its own and escalations into it), with heartbeats. */
  forQueue(queue: string): Observable<StreamMessage> {
    const changes = this.events.pipe(
      filter((event) => event.queue === queue || event.escalatedTo === queue),
      map((event): StreamMessage => ({ type: `alert.${event.kind}`, id: event.eventId, data: event })),
    );
    const heartbeats = interval(HEARTBEAT_MS).pipe(map((): StreamMessage => ({ type: 'heartbeat', data: {} })));
    return merge(changes, heartbeats);
  }
}
