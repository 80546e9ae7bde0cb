import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { deadLetterTopicOf } from '@bellwether/contracts';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff';
import { consumerHealth, type ConsumerHealth, type ConsumerLoopState } from './consumer-health';
import { crashRecovery, type CrashRecoveryPolicy, type CrashRecoveryState } from './crash-recovery';
import { isTransientError } from './error-classification';
import { FETCH_MAX_WAIT_MS, type KafkaConnection } from './kafka-connection';
import type { MessageProducer } from './message-producer';
import { kafkaMetrics } from './metrics';
import { applyIsolatingPoison } from './poison-isolation';
import { headersOf } from './record-headers';
import type { BatchResults, ConsumedRecord, DecodedBatch, RecordDecoder, RecordResult } from './records';

/** The structured logger the Kafka lib writes to: a message and its fields (the host service adapts its own). */
export interface ConsumerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface BatchConsumerOptions<T> {
  readonly groupId: string;
  /**
   * A decoder per topic to subscribe to (contract names, without the namespace). Each record is
   * parsed as JSON and decoded here, once, by its topic's decoder; a record that fails goes to the
   * dead-letter topic with `dlq_step=decode` and never reaches `handle`.
   */
  readonly decoders: Readonly<Record<string, RecordDecoder<T>>>;
  /**
   * Applies a batch (or, while a poison record is isolated, part of one) and returns a result per
   * record. Must apply all or nothing and be idempotent on record identity: a sub-batch may be
   * re-run after a failed attempt or a crash. Throw a `TransientError` (or let a connection error
   * through) to have it retried; any other error is taken as a fault of a record.
   */
  readonly handle: BatchHandler<T>;
  /** Where dead letters are produced (the service's own idempotent producer). */
  readonly deadLetters: MessageProducer;
  readonly logger: ConsumerLogger;
  /** Backoff between attempts of a transiently failing (sub-)batch, and between restarts after a crash. */
  readonly backoff?: BackoffPolicy;
  readonly fromBeginning?: boolean;
  /**
   * Partition batches handled at once (kafkajs `partitionsConsumedConcurrently`, default 1). Each
   * partition's records still go through `handle` in order, one batch at a time; batches of
   * different partitions may overlap, so `handle` must not share per-call state across partitions.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** Upper bound of one fetch per partition, bytes (default 1 MiB): bounds the working set of a batch. */
  readonly maxBytesPerPartition?: number;
  /** Upper bound of one whole fetch, bytes (kafkajs `maxBytes`, default 10 MiB). */
  readonly maxBytes?: number;
  /**
   * Largest number of records one call of `handle` receives (default: the whole partition batch).
   * A larger batch is handed over in chunks, in offset order; the offset is committed once, after
   * the last chunk. Bounds a handler's working set (rows locked, bytes in one statement).
   */
  readonly maxRecordsPerCall?: number;
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
  /** Epoch milliseconds now, for the stall, health and retry bookkeeping and `dlq_timestamp`; `Date.now` unless a test pins it. */
  readonly now?: () => number;
}

/**
 * Applies a (sub-)batch and answers a result per record offset (ok, dlq, drop; records left out
 * count as ok). Resolving with nothing is taken as every record ok.
 */
export type BatchHandler<T> = (batch: DecodedBatch<T>) => Promise<BatchResults | void>;

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

/** Where the loop is in its life: `start` moves it from idle to running, `stop` or giving up ends it. */
type Lifecycle = 'idle' | 'starting' | 'running' | 'stopped' | 'gave-up';

/**
 * Batch consumption over kafkajs `eachBatch`, one partition batch at a time:
 * decode → handler (effects durable, returns a result per record) → dead letters → commit
 * highest offset + 1. A record can never block its partition:
 * - a transient handler error (see `classifyError`) is retried with bounded backoff, nothing
 *   committed, and the loop shows as not ready meanwhile;
 * - any other handler error is the fault of a record: the batch is bisected until the records
 *   that fail alone are found (`applyIsolatingPoison`); only they go to `<topic>.dlq`
 *   (dlq_step=handler), the rest is applied in the same pass and the offset committed past them;
 * - a crash kafkajs does not restart from is restarted here with backoff (`crashRecovery`), also
 *   when it comes while the loop starts or while a restart is under way; if that keeps failing the
 *   loop gives up (`onGaveUp`) and liveness fails, as it does when a loop stalls.
 * Every record is counted once in `bellwether_kafka_records_consumed_total`, by its one result.
 * A crash at any point re-delivers the uncommitted batch: handlers must be idempotent on record identity.
 */
export class BatchConsumer<T> {
  private consumer: Consumer;
  private readonly backoff: BackoffPolicy;
  private readonly now: () => number;
  private readonly recoveryPolicy: CrashRecoveryPolicy;
  private lifecycle: Lifecycle = 'idle';
  /** The crash (kafkajs would not restart from) still to recover from; set by a crash at any time. */
  private pendingCrash: { readonly error: unknown } | null = null;
  /** The restart loop under way, if any: one at a time. */
  private recovering: Promise<void> | null = null;
  /** Restarts since the consumer last joined its group. */
  private restarts = 0;
  private crashed: string | null = null;
  private gaveUp: string | null = null;
  /** The transient error being retried, by topic-partition (several may retry at once when partitions run concurrently). */
  private readonly retrying = new Map<string, NonNullable<ConsumerLoopState['retrying']>>();
  /** Start time of each batch under way, by topic-partition. */
  private readonly busy = new Map<string, number>();
  private lastActivityAt: number;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly options: BatchConsumerOptions<T>,
  ) {
    this.backoff = options.backoff ?? defaultBackoff;
    this.now = options.now ?? Date.now;
    this.recoveryPolicy = { maxAttempts: options.restartAttempts ?? RESTART_ATTEMPTS_DEFAULT, backoff: this.backoff };
    this.lastActivityAt = this.now();
    this.consumer = this.createConsumer();
  }

  /** The topics read (contract names): those with a decoder. */
  get topics(): readonly string[] {
    return Object.keys(this.options.decoders);
  }

  /**
   * Connects, subscribes and runs the loop. A crash while it starts (kafkajs reports a failed join
   * as a crash, not as an error of `run`) is recovered from like any other once it is running.
   */
  async start(): Promise<void> {
    this.lifecycle = 'starting';
    try {
      await this.connectAndRun(this.consumer);
    } catch (error) {
      this.lifecycle = 'idle';
      throw error;
    }
    if (this.lifecycle !== 'starting') return;
    this.lifecycle = 'running';
    this.lastActivityAt = this.now();
    if (this.pendingCrash) this.recoverFromCrash();
  }

  async stop(): Promise<void> {
    if (this.lifecycle !== 'running' && this.lifecycle !== 'starting') return;
    this.lifecycle = 'stopped';
    await this.consumer.disconnect();
  }

  /** Readiness (`healthy`) and liveness (`live`) of the loop; see `consumerHealth`. */
  health(now: number = this.now()): ConsumerHealth {
    const busySince = this.busy.size === 0 ? null : Math.min(...this.busy.values());
    const state: ConsumerLoopState = {
      running: this.lifecycle === 'running',
      crashed: this.crashed,
      gaveUp: this.gaveUp,
      retrying: oldestRetry(this.retrying.values()),
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
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024,
      maxBytes: this.options.maxBytes ?? 10 * 1024 * 1024,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    const { events } = consumer;
    // Events of a consumer already replaced by a restart say nothing about the loop.
    const isCurrent = () => consumer === this.consumer;
    const noteActivity = () => {
      if (isCurrent()) this.lastActivityAt = this.now();
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
    for (const topic of this.topics) {
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
   * this member") its consumer has stopped while the process stays up: restart it here. The crash
   * is kept as pending whatever the loop is doing, so one that comes while the loop starts or while
   * a restart is under way (the new member failing to join) is never lost.
   */
  private onCrash(error: unknown, kafkajsRestarts: boolean): void {
    this.crashed = errorMessage(error);
    this.options.logger.error('kafka consumer crashed', { groupId: this.options.groupId, error: this.crashed, restart: kafkajsRestarts });
    if (crashRecovery({ restart: kafkajsRestarts }, this.recoveryState(), this.recoveryPolicy).action === 'wait') return;
    this.pendingCrash = { error };
    // While starting, `start` recovers once `run` returned.
    if (this.lifecycle === 'running') this.recoverFromCrash();
  }

  private recoveryState(): CrashRecoveryState {
    return { stopping: this.isStopping(), restartsSinceJoin: this.restarts };
  }

  private isStopping(): boolean {
    return this.lifecycle === 'stopped' || this.lifecycle === 'gave-up';
  }

  private recoverFromCrash(): void {
    if (this.recovering) return;
    this.recovering = this.restartUntilRecovered().finally(() => {
      this.recovering = null;
    });
  }

  /** Replaces the consumer until no crash is pending (the new member runs) or the attempts run out. */
  private async restartUntilRecovered(): Promise<void> {
    while (this.pendingCrash) {
      const crash = this.pendingCrash;
      this.pendingCrash = null;
      const decision = crashRecovery({ restart: false }, this.recoveryState(), this.recoveryPolicy);
      if (decision.action === 'wait') return;
      if (decision.action === 'give-up') {
        this.giveUp(crash.error);
        return;
      }
      this.restarts = decision.attempt;
      await sleep(decision.delayMs);
      if (this.isStopping()) return;
      try {
        await this.replaceConsumer();
        kafkaMetrics.consumerRestarts.inc({ group: this.options.groupId });
        // A crash of the new member while it joined is pending again: the loop goes on.
        if (!this.pendingCrash) this.options.logger.warn('kafka consumer restarted after a crash', { groupId: this.options.groupId, attempt: decision.attempt });
      } catch (error) {
        this.pendingCrash ??= { error };
        this.options.logger.warn('kafka consumer restart failed', { groupId: this.options.groupId, attempt: decision.attempt, error: errorMessage(error) });
      }
    }
  }

  /** Disconnects the stopped consumer and runs a new member of the same group in its place. */
  private async replaceConsumer(): Promise<void> {
    const old = this.consumer;
    this.consumer = this.createConsumer();
    await old.disconnect().catch(() => undefined);
    await this.connectAndRun(this.consumer);
    if (this.isStopping()) await this.consumer.disconnect();
  }

  private giveUp(error: unknown): void {
    this.gaveUp = errorMessage(error);
    this.lifecycle = 'gave-up';
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
    this.busy.set(key, this.now());
    try {
      await this.applyBatch(consumer, payload);
    } finally {
      this.busy.delete(key);
      this.lastActivityAt = this.now();
    }
  }

  private async applyBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    // Handlers, metrics and dead letters speak contract topic names; the namespace stays in here.
    const topic = this.connection.logicalTopic(batch.topic);
    const { partition } = batch;
    const { groupId } = this.options;
    const context: BatchContext = { topic, partition, heartbeat, isRunning, isStale };
    const stopTimer = kafkaMetrics.batchDuration.startTimer({ topic, group: groupId });

    // One result per record: a decode failure here, else the handler's (or poison isolation's).
    const results = new Map<string, RecordResult>();
    const decoded: ConsumedRecord<T>[] = [];
    const decode = this.decoderOf(topic);
    for (const message of batch.messages) {
      const outcome = decodeMessage(message, decode);
      if (outcome.ok) decoded.push(toRecord(topic, partition, message, outcome.value));
      else results.set(message.offset, { kind: 'dlq', reason: outcome.problem, step: 'decode' });
    }
    const handled = await this.applyRecords(context, decoded);
    for (const record of decoded) results.set(record.offset, handled.get(record.offset) ?? { kind: 'ok' });

    const deadLetters = batch.messages.flatMap((message): DeadLetter[] => {
      const result = results.get(message.offset);
      return result?.kind === 'dlq' ? [{ message, reason: result.reason, step: result.step }] : [];
    });
    if (deadLetters.length > 0) {
      // Whatever fails here, the letter must not be lost: retried like a transient error.
      await this.retry(context, () => this.sendDeadLetters(topic, partition, deadLetters), () => true);
      for (const letter of deadLetters) {
        kafkaMetrics.deadLettered.inc({ topic, group: groupId, step: letter.step });
        this.options.logger.warn('record dead-lettered', { topic, partition, offset: letter.message.offset, step: letter.step, reason: letter.reason });
      }
    }
    for (const [offset, result] of results) {
      kafkaMetrics.consumed.inc({ topic, group: groupId, result: result.kind });
      if (result.kind === 'drop') this.options.logger.info('record dropped', { topic, partition, offset, groupId, reason: result.reason });
    }

    const lastOffset = batch.lastOffset();
    resolveOffset(lastOffset);
    await consumer.commitOffsets([{ topic: batch.topic, partition, offset: (BigInt(lastOffset) + 1n).toString() }]);
    await heartbeat();
    const lag = BigInt(batch.highWatermark) - (BigInt(lastOffset) + 1n);
    kafkaMetrics.lag.set({ topic, partition: String(partition), group: groupId }, Number(lag > 0n ? lag : 0n));
    stopTimer();
  }

  private decoderOf(topic: string): RecordDecoder<T> {
    const decode = this.options.decoders[topic];
    if (!decode) throw new Error(`no decoder configured for topic ${topic}`);
    return decode;
  }

  /**
   * Runs the handler over the decoded records: transient errors are retried, poison records
   * isolated by bisection and returned as `dlq` results with step `handler`.
   */
  private async applyRecords(context: BatchContext, records: readonly ConsumedRecord<T>[]): Promise<Map<string, RecordResult>> {
    const { topic, partition, heartbeat } = context;
    const merged = new Map<string, RecordResult>();
    for (const chunk of chunksOf(records, this.options.maxRecordsPerCall ?? records.length)) {
      const { results, poison } = await applyIsolatingPoison(chunk, (subset) =>
        this.retry(context, () => this.options.handle({ topic, partition, records: subset, heartbeat }), isTransientError),
      );
      for (const [offset, result] of results) merged.set(offset, result);
      for (const { record, error } of poison) {
        merged.set(record.offset, { kind: 'dlq', reason: errorMessage(error), step: 'handler' });
      }
    }
    return merged;
  }

  /**
   * Runs `work` until it succeeds, sleeping with backoff (and heart-beating) between attempts whose
   * error `shouldRetry` accepts; any other error is thrown at once. Gives the batch back uncommitted
   * (rethrows) when the consumer stops or lost the partition: the next owner redoes it.
   */
  private async retry<R>(context: BatchContext, work: () => Promise<R>, shouldRetry: (error: unknown) => boolean): Promise<R> {
    const key = `${context.topic}:${context.partition}`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await work();
        this.retrying.delete(key);
        return result;
      } catch (error) {
        if (!shouldRetry(error)) {
          this.retrying.delete(key);
          throw error;
        }
        const message = errorMessage(error);
        kafkaMetrics.batchRetries.inc({ topic: context.topic, group: this.options.groupId });
        if (!context.isRunning() || context.isStale()) {
          // The partition is gone (stop or rebalance): its next owner redoes the batch.
          this.retrying.delete(key);
          throw error;
        }
        this.retrying.set(key, { since: this.retrying.get(key)?.since ?? this.now(), attempt, error: message });
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
          ...headersOf(message.headers),
          dlq_reason: reason.slice(0, 1000),
          dlq_step: step,
          dlq_topic: topic,
          dlq_partition: String(partition),
          dlq_offset: message.offset,
          dlq_timestamp: new Date(this.now()).toISOString(),
          dlq_consumer_group: this.options.groupId,
        },
      })),
    );
  }
}

/** The longest-running of the partitions' retries, or null when none retries. */
function oldestRetry(retries: Iterable<NonNullable<ConsumerLoopState['retrying']>>): ConsumerLoopState['retrying'] {
  let oldest: ConsumerLoopState['retrying'] = null;
  for (const retry of retries) if (oldest === null || retry.since < oldest.since) oldest = retry;
  return oldest;
}

/** `items` in order, in runs of at most `size` (at least 1); nothing for no items. */
function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, size);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += step) chunks.push(items.slice(start, start + step));
  return chunks;
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
    headers: headersOf(message.headers),
    timestamp: message.timestamp,
  };
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
