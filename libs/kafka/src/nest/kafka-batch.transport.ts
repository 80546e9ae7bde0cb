import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { BatchConsumer, type ConsumerLogger } from '../batch-consumer';
import type { BackoffPolicy } from '../backoff';
import type { ConsumerHealth } from '../consumer-health';
import type { KafkaConnection } from '../kafka-connection';
import type { MessageProducer } from '../message-producer';
import type { BatchResults, DecodedBatch, RecordDecoder } from '../records';

/**
 * One consumer group of a service: the topics it reads (a decoder per topic) and how it fetches.
 * A service runs one group per stream that must not wait behind another, e.g. scoring's events
 * topic apart from its clock and read-model topics.
 */
export interface ConsumerGroupSpec {
  /** Group id without the namespace (the connection adds it). */
  readonly groupId: string;
  /**
   * A decoder per topic of this group; the consumer decodes each record once, by its topic's
   * decoder, before any handler sees it. Every topic with an `@EventPattern` handler must be in
   * exactly one group, and every topic here must have a handler.
   */
  readonly decoders: Readonly<Record<string, RecordDecoder<unknown>>>;
  /** See `BatchConsumerOptions`: concurrent partitions, fetch sizes and the records per handler call. */
  readonly partitionsConsumedConcurrently?: number;
  readonly maxBytesPerPartition?: number;
  readonly maxBytes?: number;
  readonly maxRecordsPerCall?: number;
}

export interface KafkaBatchTransportOptions {
  readonly connection: KafkaConnection;
  /** The service's consumer groups (at least one). */
  readonly groups: readonly ConsumerGroupSpec[];
  readonly deadLetters: MessageProducer;
  readonly logger: ConsumerLogger;
  readonly backoff?: BackoffPolicy;
  readonly sessionTimeoutMs?: number;
  /** See `BatchConsumerOptions`: liveness limit, restarts after a crash, and what to do when they fail. */
  readonly stallAfterMs?: number;
  readonly restartAttempts?: number;
  /** Called with the group that gave up and its error. */
  readonly onGaveUp?: (groupId: string, error: unknown) => void;
  /** Epoch milliseconds now (see `BatchConsumerOptions.now`). */
  readonly now?: () => number;
}

/**
 * Nest transport whose `@EventPattern(topic)` handlers receive a whole partition batch
 * (`DecodedBatch<T>`) and return `BatchResults`. It runs one `BatchConsumer` per consumer group;
 * everything else — decoding, retries, poison isolation, dead letters, counting, commits,
 * restarts — lives there. A handler may be called with part of a batch (while a poison record is
 * isolated, or in chunks of `maxRecordsPerCall`), so it must not assume it sees whole batches.
 */
export class KafkaBatchTransport extends Server implements CustomTransportStrategy {
  private consumers: BatchConsumer<unknown>[] = [];

  constructor(private readonly options: KafkaBatchTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.consumers = this.groupsWithHandlers().map((group) => this.consumerOf(group));
      await Promise.all(this.consumers.map((consumer) => consumer.start()));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Every group's loop must be healthy (live) for the transport to be; the detail names those that are not. */
  health(): ConsumerHealth {
    if (this.consumers.length === 0) return { running: false, healthy: false, live: true, detail: 'not started' };
    const statuses = this.consumers.map((consumer, index) => ({ groupId: this.options.groups[index]?.groupId ?? String(index), status: consumer.health() }));
    const troubled = statuses.filter(({ status }) => !status.healthy || !status.live);
    return {
      running: statuses.every(({ status }) => status.running),
      healthy: troubled.every(({ status }) => status.healthy),
      live: statuses.every(({ status }) => status.live),
      detail: troubled.length === 0 ? 'ok' : troubled.map(({ groupId, status }) => `${groupId}: ${status.detail}`).join('; '),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    this.consumers = [];
  }

  on(): void {
    // Status events are not used; health() answers readiness.
  }

  unwrap<T>(): T {
    return this.consumers as T;
  }

  /** The groups as configured, checked against the handlers: each handled topic in exactly one group. */
  private groupsWithHandlers(): readonly ConsumerGroupSpec[] {
    const handled = new Set(this.messageHandlers.keys());
    const owner = new Map<string, string>();
    for (const group of this.options.groups) {
      for (const topic of Object.keys(group.decoders)) {
        const other = owner.get(topic);
        if (other) throw new Error(`topic ${topic} is configured in two consumer groups (${other}, ${group.groupId})`);
        if (!handled.has(topic)) throw new Error(`consumer group ${group.groupId} decodes topic ${topic}, which has no handler`);
        owner.set(topic, group.groupId);
      }
    }
    for (const topic of handled) if (!owner.has(topic)) throw new Error(`no decoder configured for topic ${topic}`);
    return this.options.groups;
  }

  private consumerOf(group: ConsumerGroupSpec): BatchConsumer<unknown> {
    return new BatchConsumer<unknown>(this.options.connection, {
      groupId: group.groupId,
      decoders: group.decoders,
      partitionsConsumedConcurrently: group.partitionsConsumedConcurrently,
      maxBytesPerPartition: group.maxBytesPerPartition,
      maxBytes: group.maxBytes,
      maxRecordsPerCall: group.maxRecordsPerCall,
      handle: (batch) => this.dispatch(batch),
      deadLetters: this.options.deadLetters,
      logger: this.options.logger,
      backoff: this.options.backoff,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      stallAfterMs: this.options.stallAfterMs,
      restartAttempts: this.options.restartAttempts,
      onGaveUp: (error) => this.options.onGaveUp?.(group.groupId, error),
      now: this.options.now,
    });
  }

  /** Hands the decoded batch to its topic's handler; its `BatchResults` (a Map) are the records' results. */
  private async dispatch(batch: DecodedBatch<unknown>): Promise<BatchResults> {
    const handler = this.getHandlerByPattern(batch.topic);
    if (!handler) throw new Error(`no handler for topic ${batch.topic}`);
    const returned: unknown = await handler(batch);
    const value: unknown = isObservable(returned) ? await lastValueFrom(returned) : returned;
    return value instanceof Map ? (value as BatchResults) : new Map();
  }
}
