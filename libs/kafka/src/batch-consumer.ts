import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { deadLetterTopicOf } from '@bellwether/contracts';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff';
import type { KafkaConnection } from './kafka-connection';
import type { MessageProducer } from './message-producer';
import { kafkaMetrics } from './metrics';
import type { BatchResults, ConsumedRecord, DecodedBatch, RecordDecoder, RecordResult } from './records';

export interface ConsumerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface BatchConsumerOptions<T> {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly decode: RecordDecoder<T>;
  readonly handle: (batch: DecodedBatch<T>) => Promise<BatchResults | void>;
  /** Where dead letters are produced (the service's own idempotent producer). */
  readonly deadLetters: MessageProducer;
  readonly logger: ConsumerLogger;
  readonly backoff?: BackoffPolicy;
  readonly fromBeginning?: boolean;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  /** A loop with no finished batch for this long while it has work is reported unhealthy. */
  readonly stallAfterMs?: number;
}

export interface ConsumerHealth {
  readonly running: boolean;
  readonly healthy: boolean;
  readonly detail: string;
}

const STALL_AFTER_MS_DEFAULT = 60_000;

/**
 * Batch consumption over kafkajs `eachBatch`, one partition batch at a time:
 * decode → handler (effects durable, returns a result per record) → dead letters → commit
 * highest offset + 1. A throwing handler is retried with backoff and nothing is committed, so a
 * crash at any point re-delivers the batch: handlers must be idempotent on record identity.
 */
export class BatchConsumer<T> {
  private readonly consumer: Consumer;
  private readonly backoff: BackoffPolicy;
  private running = false;
  private retryingSince: number | null = null;
  private lastError: string | null = null;
  private crashed: string | null = null;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly options: BatchConsumerOptions<T>,
  ) {
    this.backoff = options.backoff ?? defaultBackoff;
    this.consumer = connection.client.consumer({
      groupId: connection.group(options.groupId),
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30000) / 3)),
      maxBytesPerPartition: 1024 * 1024,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.crashed = String(event.payload.error?.message ?? event.payload.error);
      options.logger.error('kafka consumer crashed', { groupId: options.groupId, error: this.crashed, restart: event.payload.restart });
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.crashed = null;
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.topics) {
      await this.consumer.subscribe({ topic: this.connection.topic(topic), fromBeginning: this.options.fromBeginning ?? true });
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.running = true;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.disconnect();
  }

  health(now: number = Date.now()): ConsumerHealth {
    if (!this.running) return { running: false, healthy: false, detail: 'not running' };
    if (this.crashed) return { running: true, healthy: false, detail: `crashed: ${this.crashed}` };
    const stallAfter = this.options.stallAfterMs ?? STALL_AFTER_MS_DEFAULT;
    if (this.retryingSince !== null && now - this.retryingSince > stallAfter) {
      return { running: true, healthy: false, detail: `batch failing since ${new Date(this.retryingSince).toISOString()}: ${this.lastError}` };
    }
    return { running: true, healthy: true, detail: 'ok' };
  }

  private async processBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    // Handlers, metrics and dead letters speak contract topic names; the namespace stays in here.
    const topic = this.connection.logicalTopic(batch.topic);
    const { partition } = batch;
    const { groupId } = this.options;
    const stopTimer = kafkaMetrics.batchDuration.startTimer({ topic, group: groupId });

    const decoded: ConsumedRecord<T>[] = [];
    const deadLetters: { message: KafkaMessage; reason: string; step: string }[] = [];
    for (const message of batch.messages) {
      const outcome = decodeMessage(message, this.options.decode);
      if (outcome.ok) decoded.push(toRecord(topic, partition, message, outcome.value));
      else deadLetters.push({ message, reason: outcome.problem, step: 'decode' });
    }

    let results: BatchResults | void = undefined;
    if (decoded.length > 0) {
      results = await this.withRetries(topic, heartbeat, isRunning, isStale, () =>
        this.options.handle({ topic, partition, records: decoded, heartbeat }),
      );
    }
    for (const record of decoded) {
      const result: RecordResult = results?.get(record.offset) ?? { kind: 'ok' };
      if (result.kind === 'dlq') {
        const message = batch.messages.find((candidate) => candidate.offset === record.offset);
        if (message) deadLetters.push({ message, reason: result.reason, step: result.step });
      }
      kafkaMetrics.consumed.inc({ topic, group: groupId, result: result.kind });
    }

    if (deadLetters.length > 0) {
      await this.withRetries(topic, heartbeat, isRunning, isStale, () => this.sendDeadLetters(topic, partition, deadLetters));
      for (const letter of deadLetters) {
        kafkaMetrics.deadLettered.inc({ topic, group: groupId, step: letter.step });
        if (letter.step === 'decode') kafkaMetrics.consumed.inc({ topic, group: groupId, result: 'dlq' });
        this.options.logger.warn('record dead-lettered', { topic, partition, offset: letter.message.offset, step: letter.step, reason: letter.reason });
      }
    }

    const lastOffset = batch.lastOffset();
    resolveOffset(lastOffset);
    await this.consumer.commitOffsets([{ topic: batch.topic, partition, offset: (BigInt(lastOffset) + 1n).toString() }]);
    await heartbeat();
    const lag = BigInt(batch.highWatermark) - (BigInt(lastOffset) + 1n);
    kafkaMetrics.lag.set({ topic, partition: String(partition), group: groupId }, Number(lag > 0n ? lag : 0n));
    stopTimer();
  }

  private async withRetries<R>(
    topic: string,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
    isStale: () => boolean,
    work: () => Promise<R>,
  ): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await work();
        this.retryingSince = null;
        this.lastError = null;
        return result;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.retryingSince ??= Date.now();
        this.lastError = message;
        kafkaMetrics.batchRetries.inc({ topic, group: this.options.groupId });
        // Stopping or rebalanced away: give the batch back uncommitted; the next owner redoes it.
        if (!isRunning() || isStale()) throw error;
        const delay = backoffDelay(this.backoff, attempt);
        this.options.logger.warn('batch failed, retrying', { topic, groupId: this.options.groupId, attempt, delayMs: delay, error: message });
        await sleepWithHeartbeat(delay, heartbeat);
      }
    }
  }

  private async sendDeadLetters(
    topic: string,
    partition: number,
    letters: readonly { message: KafkaMessage; reason: string; step: string }[],
  ): Promise<void> {
    await this.options.deadLetters.sendRaw(
      deadLetterTopicOf(topic),
      letters.map(({ message, reason, step }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...flattenHeaders(message.headers),
          dlq_reason: reason.slice(0, 1000),
          dlq_step: step,
          dlq_topic: topic,
          dlq_partition: String(partition),
          dlq_offset: message.offset,
          dlq_timestamp: new Date().toISOString(),
          dlq_consumer_group: this.options.groupId,
        },
      })),
    );
  }
}

function decodeMessage<T>(message: KafkaMessage, decode: RecordDecoder<T>): { ok: true; value: T } | { ok: false; problem: string } {
  if (!message.value) return { ok: false, problem: 'empty value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { ok: false, problem: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  return decode(parsed);
}

function toRecord<T>(topic: string, partition: number, message: KafkaMessage, value: T): ConsumedRecord<T> {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value,
    headers: flattenHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

function flattenHeaders(headers: IHeaders | undefined): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) flat[name] = first.toString();
  }
  return flat;
}

async function sleepWithHeartbeat(totalMs: number, heartbeat: () => Promise<void>): Promise<void> {
  const slice = 1000;
  for (let waited = 0; waited < totalMs; waited += slice) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(slice, totalMs - waited)));
    await heartbeat().catch(() => undefined);
  }
}
