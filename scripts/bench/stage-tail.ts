import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { Topics } from '@bellwether/contracts';
import type { KafkaConnection } from '@bellwether/kafka';

/**
 * When a probe account's records appeared on the pipeline's topics, epoch ms: the Kafka record
 * timestamp (CreateTime, stamped by the producing service's kafkajs producer when it sent) and
 * when this reader received it.
 */
export interface ProbeStamps {
  /** Newest CreateTime of the account's records on bellwether.events.v1 (ingestion's produce). */
  eventsCreatedAt?: number;
  /** CreateTime of the account's first record on bellwether.scores.v1 (scoring's publish). */
  scoreCreatedAt?: number;
  scoreSeenAt?: number;
  /** CreateTime of the account's first `opened` record on bellwether.alerts.v1 (alerting's publish). */
  alertCreatedAt?: number;
  alertSeenAt?: number;
}

/**
 * A reader of the events, scores and alerts topics from their end, for the latency probes: its
 * own throw-away group, no commits, and only records whose key starts with one of the watched
 * prefixes are looked at (the alerts' values are parsed, nothing else is), so it keeps up with
 * 10,000 events/s without taking the load generator's CPU. Uses kafkajs directly (TopicTail does
 * not expose the record timestamps).
 */
export class StageTail {
  private readonly consumer: Consumer;
  private readonly prefixes = new Set<string>();
  readonly stamps = new Map<string, ProbeStamps>();

  constructor(private readonly connection: KafkaConnection) {
    this.consumer = connection.client.consumer({ groupId: connection.group(`bellwether-bench-stages-${randomUUID()}`), allowAutoTopicCreation: false, maxWaitTimeInMs: 20 });
  }

  /** Starts watching keys that start with `prefix`. */
  watch(prefix: string): void {
    this.prefixes.add(prefix);
  }

  private watched(key: string): boolean {
    for (const prefix of this.prefixes) if (key.startsWith(prefix)) return true;
    return false;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    const topics = [Topics.events, Topics.scores, Topics.alerts];
    for (const topic of topics) await this.consumer.subscribe({ topic: this.connection.topic(topic), fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        const seenAt = Date.now();
        const topic = this.connection.logicalTopic(batch.topic);
        for (const message of batch.messages) {
          const key = message.key?.toString('utf8');
          if (!key || !this.watched(key)) continue;
          const createdAt = Number(message.timestamp);
          const stamps = this.stamps.get(key) ?? {};
          if (topic === Topics.events) stamps.eventsCreatedAt = Math.max(stamps.eventsCreatedAt ?? 0, createdAt);
          else if (topic === Topics.scores && stamps.scoreCreatedAt === undefined) {
            stamps.scoreCreatedAt = createdAt;
            stamps.scoreSeenAt = seenAt;
          } else if (topic === Topics.alerts && stamps.alertCreatedAt === undefined) {
            const kind = (JSON.parse(message.value?.toString('utf8') ?? 'null') as { kind?: string } | null)?.kind;
            if (kind === 'opened') {
              stamps.alertCreatedAt = createdAt;
              stamps.alertSeenAt = seenAt;
            }
          }
          this.stamps.set(key, stamps);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
