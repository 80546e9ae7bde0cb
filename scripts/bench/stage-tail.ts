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
 * A reader of the scores and alerts topics from their end, for the latency probes: its own
 * throw-away group, no commits, and only records whose key starts with one of the watched
 * prefixes are looked at (the alerts' values are parsed, nothing else is). The events topic (the
 * whole load) is not read live, where it would take CPU from the pipeline under test: its probe
 * records' CreateTimes are read after the load, between the topic's end offsets before and after
 * it (`readEventsStamps`). Uses kafkajs directly (TopicTail does not expose the record
 * timestamps).
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
    const topics = [Topics.scores, Topics.alerts];
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
          if (topic === Topics.scores && stamps.scoreCreatedAt === undefined) {
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

  /**
   * Reads the events topic from `from` to `to` (end offsets per partition, `PipelineObserver.eventsEndOffsets`) with
   * a throw-away consumer and stamps `eventsCreatedAt` of the watched keys' records. Throws when
   * the range was not read within `timeoutMs`.
   */
  async readEventsStamps(from: ReadonlyMap<number, bigint>, to: ReadonlyMap<number, bigint>, timeoutMs = 120_000): Promise<void> {
    const remaining = new Set([...to].filter(([partition, end]) => end > (from.get(partition) ?? 0n)).map(([partition]) => partition));
    if (remaining.size === 0) return;
    const topic = this.connection.topic(Topics.events);
    const reader = this.connection.client.consumer({ groupId: this.connection.group(`bellwether-bench-events-stamps-${randomUUID()}`), allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    await reader.connect();
    try {
      await reader.subscribe({ topic, fromBeginning: false });
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await reader.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const key = message.key?.toString('utf8');
            if (!key || !this.watched(key)) continue;
            const stamps = this.stamps.get(key) ?? {};
            stamps.eventsCreatedAt = Math.max(stamps.eventsCreatedAt ?? 0, Number(message.timestamp));
            this.stamps.set(key, stamps);
          }
          if (BigInt(batch.lastOffset()) + 1n >= (to.get(batch.partition) ?? 0n)) remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        },
      });
      for (const [partition, offset] of from) reader.seek({ topic, partition, offset: offset.toString() });
      const timedOut = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`events topic not read up to the load's end within ${timeoutMs} ms (partitions ${[...remaining].join(', ')} left)`)), timeoutMs).unref());
      await Promise.race([finished, timedOut]);
    } finally {
      await reader.disconnect();
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
