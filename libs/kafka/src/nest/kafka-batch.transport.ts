import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { BatchConsumer, type ConsumerLogger } from '../batch-consumer';
import type { BackoffPolicy } from '../backoff';
import type { ConsumerHealth } from '../consumer-health';
import type { KafkaConnection } from '../kafka-connection';
import type { MessageProducer } from '../message-producer';
import type { BatchResults, DecodedBatch, RecordDecoder } from '../records';

export interface KafkaBatchTransportOptions {
  readonly connection: KafkaConnection;
  readonly groupId: string;
  /**
   * A decoder per subscribed topic; the topics are those with an `@EventPattern` handler. The
   * consumer decodes each record once, by its topic's decoder, before any handler sees it.
   */
  readonly decoders: Readonly<Record<string, RecordDecoder<unknown>>>;
  readonly deadLetters: MessageProducer;
  readonly logger: ConsumerLogger;
  readonly backoff?: BackoffPolicy;
  readonly sessionTimeoutMs?: number;
  /** See `BatchConsumerOptions`: liveness limit, restarts after a crash, and what to do when they fail. */
  readonly stallAfterMs?: number;
  readonly restartAttempts?: number;
  readonly onGaveUp?: (error: unknown) => void;
  /** Epoch milliseconds now (see `BatchConsumerOptions.now`). */
  readonly now?: () => number;
}

/**
 * Nest transport whose `@EventPattern(topic)` handlers receive a whole partition batch
 * (`DecodedBatch<T>`) and return `BatchResults`. Everything else — decoding, retries, poison
 * isolation, dead letters, counting, commits, restarts — lives in `BatchConsumer`. A handler may be called with part of
 * a batch (while a poison record is isolated), so it must not assume it sees whole batches.
 */
export class KafkaBatchTransport extends Server implements CustomTransportStrategy {
  private consumer: BatchConsumer<unknown> | null = null;

  constructor(private readonly options: KafkaBatchTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const decoders: Record<string, RecordDecoder<unknown>> = {};
      for (const topic of this.messageHandlers.keys()) {
        const decoder = this.options.decoders[topic];
        if (!decoder) throw new Error(`no decoder configured for topic ${topic}`);
        decoders[topic] = decoder;
      }
      this.consumer = new BatchConsumer<unknown>(this.options.connection, {
        groupId: this.options.groupId,
        decoders,
        handle: (batch) => this.dispatch(batch),
        deadLetters: this.options.deadLetters,
        logger: this.options.logger,
        backoff: this.options.backoff,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        stallAfterMs: this.options.stallAfterMs,
        restartAttempts: this.options.restartAttempts,
        onGaveUp: this.options.onGaveUp,
        now: this.options.now,
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

  /** Hands the decoded batch to its topic's handler; its `BatchResults` (a Map) are the records' results. */
  private async dispatch(batch: DecodedBatch<unknown>): Promise<BatchResults> {
    const handler = this.getHandlerByPattern(batch.topic);
    if (!handler) throw new Error(`no handler for topic ${batch.topic}`);
    const returned: unknown = await handler(batch);
    const value: unknown = isObservable(returned) ? await lastValueFrom(returned) : returned;
    return value instanceof Map ? (value as BatchResults) : new Map();
  }
}
