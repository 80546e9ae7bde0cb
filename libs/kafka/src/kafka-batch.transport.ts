import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { BatchConsumer, type ConsumerLogger } from './batch-consumer';
import type { BackoffPolicy } from './backoff';
import type { ConsumerHealth } from './consumer-health';
import type { KafkaConnection } from './kafka-connection';
import type { MessageProducer } from './message-producer';
import type { BatchResults, DecodedBatch, RecordDecoder } from './records';

export interface KafkaBatchTransportOptions {
  readonly connection: KafkaConnection;
  readonly groupId: string;
  /** A decoder per subscribed topic; the topics are those with an `@EventPattern` handler. */
  readonly decoders: Readonly<Record<string, RecordDecoder<unknown>>>;
  readonly deadLetters: MessageProducer;
  readonly logger: ConsumerLogger;
  readonly backoff?: BackoffPolicy;
  readonly sessionTimeoutMs?: number;
  /** See `BatchConsumerOptions`: liveness limit, restarts after a crash, and what to do when they fail. */
  readonly stallAfterMs?: number;
  readonly restartAttempts?: number;
  readonly onGaveUp?: (error: unknown) => void;
}

/**
 * Nest transport whose `@EventPattern(topic)` handlers receive a whole partition batch
 * (`DecodedBatch<T>`) and return `BatchResults`. Everything else — retries, poison isolation,
 * dead letters, commits, restarts — lives in `BatchConsumer`. A handler may be called with part of
 * a batch (while a poison record is isolated), so it must not assume it sees whole batches.
 */
export class KafkaBatchTransport extends Server implements CustomTransportStrategy {
  private consumer: BatchConsumer<unknown> | null = null;

  constructor(private readonly options: KafkaBatchTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const topics = [...this.messageHandlers.keys()];
      for (const topic of topics) {
        if (!this.options.decoders[topic]) throw new Error(`no decoder configured for topic ${topic}`);
      }
      const decodeFor = (topic: string) => this.options.decoders[topic] as RecordDecoder<unknown>;
      this.consumer = new BatchConsumer<unknown>(this.options.connection, {
        groupId: this.options.groupId,
        topics,
        // One consumer may read several topics; decode by the record's topic.
        decode: (value) => ({ ok: true, value }),
        handle: (batch) => this.dispatch(batch, decodeFor(batch.topic)),
        deadLetters: this.options.deadLetters,
        logger: this.options.logger,
        backoff: this.options.backoff,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        stallAfterMs: this.options.stallAfterMs,
        restartAttempts: this.options.restartAttempts,
        onGaveUp: this.options.onGaveUp,
      });
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  health(): ConsumerHealth {
    return this.consumer?.health() ?? { running: false, healthy: false, live: true, detail: 'not started' };
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  on(): void {
    // Status events are not used; health() answers readiness.
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async dispatch(batch: DecodedBatch<unknown>, decode: RecordDecoder<unknown>): Promise<BatchResults> {
    const handler = this.getHandlerByPattern(batch.topic);
    if (!handler) throw new Error(`no handler for topic ${batch.topic}`);
    const poison = new Map<string, { kind: 'dlq'; reason: string; step: string }>();
    const records = batch.records.flatMap((record) => {
      const decoded = decode(record.value);
      if (decoded.ok) return [{ ...record, value: decoded.value }];
      poison.set(record.offset, { kind: 'dlq', reason: decoded.problem, step: 'decode' });
      return [];
    });
    let results: BatchResults = new Map();
    if (records.length > 0) {
      const returned: unknown = await handler({ ...batch, records });
      const value: unknown = isObservable(returned) ? await lastValueFrom(returned) : returned;
      if (value instanceof Map) results = value as BatchResults;
    }
    return new Map([...results, ...poison]);
  }
}
