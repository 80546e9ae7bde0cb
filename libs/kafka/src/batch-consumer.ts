import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { deadLetterTopicOf } from '@bellwether/contracts';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff';
import { consumerHealth, type ConsumerHealth, type ConsumerLoopState } from './consumer-health';
import { isTransientError } from './error-classification';
import type { KafkaConnection } from './kafka-connection';
import type { MessageProducer } from './message-producer';
import { kafkaMetrics } from './metrics';
import { applyIsolatingPoison } from './poison-isolation';
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
  /**
   * Applies a batch (or, while a poison record is isolated, part of one) and returns a result per
   * record. Must apply all or nothing and be idempotent on record identity: a sub-batch may be
   * re-run after a failed attempt or a crash. Throw a `TransientError` (or let a connection error
   * through) to have it retried; any other error is taken as a fault of a record.
   */
  readonly handle: (batch: DecodedBatch<T>) => Promise<BatchResults | void>;
  /** Where dead letters are produced (the service's own idempotent producer). */
  readonly deadLetters: MessageProducer;
  readonly logger: ConsumerLogger;
  /** Backoff between attempts of a transiently failing (sub-)batch, and between restarts after a crash. */
  readonly backoff?: BackoffPolicy;
  readonly fromBeginning?: boolean;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  /** A loop with a batch under way, or without a poll, for this long is reported not live. */
  readonly stallAfterMs?: number;
  /** Restarts tried after a crash kafkajs does not restart from, before giving up (default 5). */
  readonly restartAttempts?: number;
  /**
   * Called once when every restart failed: the loop is gone for good. The service exits here so
   * its orchestrator restarts it; without it, only `health().live` turns false.
   */
  readonly onGaveUp?: (error: unknown) => void;
}

const STALL_AFTER_MS_DEFAULT = 120_000;
const RESTART_ATTEMPTS_DEFAULT = 5;

/** Where a batch under way came from, and kafkajs' callbacks for it. */
interface BatchContext {
  readonly topic: string;
  readonly partition: number;
  readonly heartbeat: () => Promise<void>;
  readonly isRunning: () => boolean;
  readonly isStale: () => boolean;
}

interface DeadLetter {
  readonly message: KafkaMessage;
  readonly reason: string;
  readonly step: string;
}

/**
 * Batch consumption over kafkajs `eachBatch`, one partition batch at a time:
 * decode → handler (effects durable, returns a result per record) → dead letters → commit
 * highest offset + 1. A record can never block its partition:
 * - a transient handler error (see `classifyError`) is retried with bounded backoff, nothing
 *   committed, and the loop shows as not ready meanwhile;
 * - any other handler error is the fault of a record: the batch is bisected until the records
 *   that fail alone are found (`applyIsolatingPoison`); only they go to `<topic>.dlq`
 *   (dlq_step=handler), the rest is applied in the same pass and the offset committed past them;
 * - a crash kafkajs does not restart from is restarted here with backoff; if that keeps failing the
 *   loop gives up (`onGaveUp`) and liveness fails, as it does when a loop stalls.
 * A crash at any point re-delivers the uncommitted batch: handlers must be idempotent on record identity.
 */
export class BatchConsumer<T> {
  private consumer: Consumer;
  private readonly backoff: BackoffPolicy;
  private running = false;
  private restarting = false;
  /** Restarts since the consumer last joined its group. */
  private restarts = 0;
  private crashed: string | null = null;
  private gaveUp: string | null = null;
  private retryState: ConsumerLoopState['retrying'] = null;
  /** Start time of each batch under way, by topic-partition. */
  private readonly busy = new Map<string, number>();
  private lastActivityAt = Date.now();

  constructor(
    private readonly connection: KafkaConnection,
    private readonly options: BatchConsumerOptions<T>,
  ) {
    this.backoff = options.backoff ?? defaultBackoff;
    this.consumer = this.createConsumer();
  }

  async start(): Promise<void> {
    await this.connectAndRun(this.consumer);
    this.running = true;
    this.lastActivityAt = Date.now();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.disconnect();
  }

  /** Readiness (`healthy`) and liveness (`live`) of the loop; see `consumerHealth`. */
  health(now: number = Date.now()): ConsumerHealth {
    const busySince = this.busy.size === 0 ? null : Math.min(...this.busy.values());
    const state: ConsumerLoopState = {
      running: this.running,
      crashed: this.crashed,
      gaveUp: this.gaveUp,
      retrying: this.retryState,
      busySince,
      lastActivityAt: this.lastActivityAt,
    };
    return consumerHealth(state, now, this.options.stallAfterMs ?? STALL_AFTER_MS_DEFAULT);
  }

  private createConsumer(): Consumer {
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30000;
    const consumer = this.connection.client.consumer({
      groupId: this.connection.group(this.options.groupId),
      allowAutoTopicCreation: false,
      sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      maxBytesPerPartition: 1024 * 1024,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    const { events } = consumer;
    // Events of a consumer already replaced by a restart say nothing about the loop.
    const isCurrent = () => consumer === this.consumer;
    const noteActivity = () => {
      if (isCurrent()) this.lastActivityAt = Date.now();
    };
    consumer.on(events.FETCH_START, noteActivity);
    consumer.on(events.HEARTBEAT, noteActivity);
    consumer.on(events.GROUP_JOIN, () => {
      if (!isCurrent()) return;
      noteActivity();
      this.crashed = null;
      this.restarts = 0;
    });
    consumer.on(events.CRASH, (event) => {
      if (isCurrent()) this.onCrash(event.payload.error, event.payload.restart);
    });
    return consumer;
  }

  private async connectAndRun(consumer: Consumer): Promise<void> {
    await consumer.connect();
    for (const topic of this.options.topics) {
      await consumer.subscribe({ topic: this.connection.topic(topic), fromBeginning: this.options.fromBeginning ?? true });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.processBatch(consumer, payload),
    });
  }

  /**
   * kafkajs restarts by itself after a retriable crash (`restart: true`). After any other (a
   * non-retriable error, a join that failed for good, e.g. after "The coordinator is not aware of
   * this member") its consumer has stopped while the process stays up: restart it here.
   */
  private onCrash(error: unknown, kafkajsRestarts: boolean): void {
    this.crashed = errorMessage(error);
    this.options.logger.error('kafka consumer crashed', { groupId: this.options.groupId, error: this.crashed, restart: kafkajsRestarts });
    if (!kafkajsRestarts && this.running) void this.restartAfterCrash(error);
  }

  private async restartAfterCrash(crash: unknown): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    let lastError = crash;
    try {
      const maxAttempts = this.options.restartAttempts ?? RESTART_ATTEMPTS_DEFAULT;
      while (this.running) {
        this.restarts += 1;
        if (this.restarts > maxAttempts) {
          this.giveUp(lastError);
          return;
        }
        await sleep(backoffDelay(this.backoff, this.restarts));
        if (!this.running) return;
        try {
          await this.replaceConsumer();
          kafkaMetrics.consumerRestarts.inc({ group: this.options.groupId });
          this.options.logger.warn('kafka consumer restarted after a crash', { groupId: this.options.groupId, attempt: this.restarts });
          // A crash of the new consumer before it joins comes back through onCrash.
          return;
        } catch (error) {
          lastError = error;
          this.options.logger.warn('kafka consumer restart failed', { groupId: this.options.groupId, attempt: this.restarts, error: errorMessage(error) });
        }
      }
    } finally {
      this.restarting = false;
    }
  }

  /** Disconnects the stopped consumer and runs a new member of the same group in its place. */
  private async replaceConsumer(): Promise<void> {
    const old = this.consumer;
    this.consumer = this.createConsumer();
    await old.disconnect().catch(() => undefined);
    await this.connectAndRun(this.consumer);
    if (!this.running) await this.consumer.disconnect();
  }

  private giveUp(error: unknown): void {
    this.gaveUp = errorMessage(error);
    this.running = false;
    this.options.logger.error('kafka consumer could not rejoin its group and gave up: exit the process so it is restarted', {
      groupId: this.options.groupId,
      error: this.gaveUp,
    });
    this.options.onGaveUp?.(error);
  }

  private async processBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const key = `${batch.topic}:${batch.partition}`;
    this.busy.set(key, Date.now());
    try {
      await this.applyBatch(consumer, payload);
    } finally {
      this.busy.delete(key);
      this.lastActivityAt = Date.now();
    }
  }

  private async applyBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    // Handlers, metrics and dead letters speak contract topic names; the namespace stays in here.
    const topic = this.connection.logicalTopic(batch.topic);
    const { partition } = batch;
    const { groupId } = this.options;
    const context: BatchContext = { topic, partition, heartbeat, isRunning, isStale };
    const stopTimer = kafkaMetrics.batchDuration.startTimer({ topic, group: groupId });

    const decoded: ConsumedRecord<T>[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const outcome = decodeMessage(message, this.options.decode);
      if (outcome.ok) decoded.push(toRecord(topic, partition, message, outcome.value));
      else deadLetters.push({ message, reason: outcome.problem, step: 'decode' });
    }

    const results = await this.applyRecords(context, decoded);
    for (const record of decoded) {
      const result: RecordResult = results.get(record.offset) ?? { kind: 'ok' };
      if (result.kind === 'dlq') {
        const message = batch.messages.find((candidate) => candidate.offset === record.offset);
        if (message) deadLetters.push({ message, reason: result.reason, step: result.step });
      }
      kafkaMetrics.consumed.inc({ topic, group: groupId, result: result.kind });
    }

    if (deadLetters.length > 0) {
      // Whatever fails here, the letter must not be lost: retried like a transient error.
      await this.retry(context, () => this.sendDeadLetters(topic, partition, deadLetters), () => true);
      for (const letter of deadLetters) {
        kafkaMetrics.deadLettered.inc({ topic, group: groupId, step: letter.step });
        if (letter.step === 'decode') kafkaMetrics.consumed.inc({ topic, group: groupId, result: 'dlq' });
        this.options.logger.warn('record dead-lettered', { topic, partition, offset: letter.message.offset, step: letter.step, reason: letter.reason });
      }
    }

    const lastOffset = batch.lastOffset();
    resolveOffset(lastOffset);
    await consumer.commitOffsets([{ topic: batch.topic, partition, offset: (BigInt(lastOffset) + 1n).toString() }]);
    await heartbeat();
    const lag = BigInt(batch.highWatermark) - (BigInt(lastOffset) + 1n);
    kafkaMetrics.lag.set({ topic, partition: String(partition), group: groupId }, Number(lag > 0n ? lag : 0n));
    stopTimer();
  }

  /**
   * Runs the handler over the decoded records: transient errors are retried, poison records
   * isolated by bisection and returned as `dlq` results with step `handler`.
   */
  private async applyRecords(context: BatchContext, records: readonly ConsumedRecord<T>[]): Promise<Map<string, RecordResult>> {
    if (records.length === 0) return new Map();
    const { topic, partition, heartbeat } = context;
    const { results, poison } = await applyIsolatingPoison(records, (subset) =>
      this.retry(context, () => this.options.handle({ topic, partition, records: subset, heartbeat }), isTransientError),
    );
    const merged = new Map(results);
    for (const { record, error } of poison) {
      merged.set(record.offset, { kind: 'dlq', reason: errorMessage(error), step: 'handler' });
    }
    return merged;
  }

  /**
   * Runs `work` until it succeeds, sleeping with backoff (and heart-beating) between attempts whose
   * error `shouldRetry` accepts; any other error is thrown at once. Gives the batch back uncommitted
   * (rethrows) when the consumer stops or lost the partition: the next owner redoes it.
   */
  private async retry<R>(context: BatchContext, work: () => Promise<R>, shouldRetry: (error: unknown) => boolean): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await work();
        this.retryState = null;
        return result;
      } catch (error) {
        if (!shouldRetry(error)) throw error;
        const message = errorMessage(error);
        this.retryState = { since: this.retryState?.since ?? Date.now(), attempt, error: message };
        kafkaMetrics.batchRetries.inc({ topic: context.topic, group: this.options.groupId });
        if (!context.isRunning() || context.isStale()) throw error;
        const delay = backoffDelay(this.backoff, attempt);
        this.options.logger.warn('batch failed transiently, retrying', { topic: context.topic, partition: context.partition, groupId: this.options.groupId, attempt, delayMs: delay, error: message });
        await sleepWithHeartbeat(delay, context.heartbeat);
      }
    }
  }

  private async sendDeadLetters(topic: string, partition: number, letters: readonly DeadLetter[]): Promise<void> {
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
