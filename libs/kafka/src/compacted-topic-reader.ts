import type { KafkaConnection } from './kafka-connection';
import type { RecordDecoder } from './records';
import { TopicTail } from './topic-tail';

export interface CompactedTopicReaderOptions<T, C> {
  /** The compacted topic (contract name), read from its beginning. */
  readonly topic: string;
  /** Validates a record's value; a value it rejects is counted in `rejectedRecords` and skipped. */
  readonly decode: RecordDecoder<T>;
  /**
   * Folds a valid value into the reader's owner's in-memory state. Returns what changed (handed to
   * the `onChange` listeners), or null when the value changed nothing (older, or a repeat).
   */
  readonly apply: (value: T) => C | null;
}

/**
 * An in-memory view of a compacted topic (the key ring, the directory ring, the pipeline clock):
 * reads the topic from its beginning with a `TopicTail` that never commits, folds each valid value
 * into its owner's state (`apply`), tells the listeners what changed, and is ready once it has read
 * everything the topic held when it started. A listener's error is its own: the reader keeps
 * reading, or every later change would be missed.
 */
export class CompactedTopicReader<T, C> {
  private readonly tail: TopicTail;
  private ready = false;
  private rejected = 0;
  private readonly listeners = new Set<(change: C) => void>();

  constructor(
    connection: KafkaConnection,
    private readonly options: CompactedTopicReaderOptions<T, C>,
  ) {
    this.tail = new TopicTail(connection, [options.topic], { fromBeginning: true, retain: false, onRecord: (record) => this.offer(record.value) });
    void this.tail.caughtUp.then(() => {
      this.ready = true;
    });
  }

  async start(): Promise<void> {
    await this.tail.start();
  }

  async stop(): Promise<void> {
    await this.tail.stop();
  }

  /** Resolves once it has read everything the topic held when it started (never rejects). */
  get caughtUp(): Promise<void> {
    return this.tail.caughtUp;
  }

  /** Whether it has read everything the topic held when it started. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Values `decode` rejected (skipped). */
  get rejectedRecords(): number {
    return this.rejected;
  }

  /** False once the reader is dead for good (kafkajs crashed it without a restart); see `TopicTail.liveness`. */
  liveness(): { readonly ok: boolean; readonly detail?: string } {
    return this.tail.liveness();
  }

  /** Calls `listener` with each change `apply` reported. Returns the function that unsubscribes it. */
  onChange(listener: (change: C) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops every listener (the owner is shutting down). */
  clearListeners(): void {
    this.listeners.clear();
  }

  private offer(value: unknown): void {
    const decoded = this.options.decode(value);
    if (!decoded.ok) {
      this.rejected += 1;
      return;
    }
    const change = this.options.apply(decoded.value);
    if (change === null) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own: the reader keeps reading, or it would miss later changes.
      }
    }
  }
}
