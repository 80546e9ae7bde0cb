import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { FETCH_MAX_WAIT_MS, retryTransient, type KafkaConnection } from './kafka-connection';
import { headersOf } from './record-headers';

export interface TailedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicTailOptions {
  readonly fromBeginning: boolean;
  readonly onRecord?: (record: TailedRecord) => void;
  /** Keep every record in `records` (tests); false for long-lived readers such as a key ring. */
  readonly retain?: boolean;
}

/**
 * Reads topics as an outside observer would (tests, the demo, read models of compacted topics):
 * its own throw-away consumer group, from the beginning or the end, never committing.
 */
export class TopicTail {
  private readonly consumer: Consumer;
  readonly records: TailedRecord[] = [];
  /** Partition → offset to reach before the reader has seen what existed when it started. */
  private readonly catchUpTargets = new Map<string, bigint>();
  private caughtUpResolve: (() => void) | null = null;
  readonly caughtUp: Promise<void>;
  private gaveUp: string | null = null;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topics: readonly string[],
    private readonly options: TopicTailOptions = { fromBeginning: true },
  ) {
    this.caughtUp = new Promise((resolve) => {
      this.caughtUpResolve = resolve;
    });
    this.consumer = connection.client.consumer({ groupId: connection.group(`bellwether-tail-${randomUUID()}`), allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
    // kafkajs restarts a crashed consumer itself unless the error is not retriable; then this
    // reader is dead for good while the process lives on. `live` turns false so /healthz fails
    // and the orchestrator restarts the process (a key ring that stops reading would miss revocations).
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      const error = event.payload.error as unknown;
      this.gaveUp = error instanceof Error ? error.message : String(error);
    });
  }

  /**
   * Whether the reader still reads: false once kafkajs crashed it without a restart (the reason
   * is in `detail`). Register it as a liveness check of the process that owns the reader.
   */
  liveness(): { readonly ok: boolean; readonly detail?: string } {
    return this.gaveUp === null ? { ok: true } : { ok: false, detail: `topic reader crashed without restart: ${this.gaveUp}` };
  }

  async start(): Promise<void> {
    if (this.options.fromBeginning) await this.recordCatchUpTargets();
    else this.markCaughtUp();
    await this.consumer.connect();
    for (const topic of this.topics) await this.consumer.subscribe({ topic: this.connection.topic(topic), fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        let value: unknown = null;
        try {
          value = message.value ? JSON.parse(message.value.toString('utf8')) : null;
        } catch {
          value = message.value?.toString('utf8') ?? null;
        }
        const record = { topic: this.connection.logicalTopic(topic), partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value, headers: headersOf(message.headers) };
        if (this.options.retain ?? true) this.records.push(record);
        this.options.onRecord?.(record);
        this.noteProgress(topic, partition, BigInt(message.offset));
      },
    });
  }

  private async recordCatchUpTargets(): Promise<void> {
    const admin = this.connection.client.admin();
    await admin.connect();
    try {
      for (const topic of this.topics) {
        const physical = this.connection.topic(topic);
        for (const { partition, high, low } of await retryTransient(() => admin.fetchTopicOffsets(physical))) {
          if (BigInt(high) > BigInt(low)) this.catchUpTargets.set(`${physical}:${partition}`, BigInt(high) - 1n);
        }
      }
    } finally {
      await admin.disconnect();
    }
    if (this.catchUpTargets.size === 0) this.markCaughtUp();
  }

  private noteProgress(topic: string, partition: number, offset: bigint): void {
    const key = `${topic}:${partition}`;
    const target = this.catchUpTargets.get(key);
    if (target === undefined || offset < target) return;
    this.catchUpTargets.delete(key);
    if (this.catchUpTargets.size === 0) this.markCaughtUp();
  }

  private markCaughtUp(): void {
    this.caughtUpResolve?.();
    this.caughtUpResolve = null;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
