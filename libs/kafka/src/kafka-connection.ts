import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { TopicSpec } from '@bellwether/contracts';

export interface KafkaConnectionOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /**
   * Prepended to every topic and consumer group name, so several deployments (or test runs)
   * can share one cluster without seeing each other. Empty in a normal deployment, where the
   * contract's names are used as they are.
   */
  readonly namespace?: string;
  /** Receives kafkajs' own log lines (warn and error only). */
  readonly log?: (level: 'warn' | 'error', message: string, extra: Record<string, unknown>) => void;
}

/**
 * How long the broker may hold a fetch that finds no new records, ms: the Java consumer's default
 * `fetch.max.wait.ms` (500; Kafka documentation, consumer configs). kafkajs defaults to 5,000, and
 * its `consumer.disconnect()` waits for the fetch under way (tulios/kafkajs#1606, #1655): a service
 * stops its readers one module after another, so alerting took ~20 s to exit on SIGTERM and was
 * killed by the e2e stack's 20 s timeout (an orchestrator's grace period is often 30 s). With 500
 * it exits in ~2 s. A fetch that finds records returns at once either way (min bytes 1), so this
 * changes only how often an idle consumer asks (twice a second) and how long a stop waits.
 * Every consumer of the monorepo takes it from here.
 */
export const FETCH_MAX_WAIT_MS = 500;

/** One kafkajs client per process; producers, consumers and the admin come from it. */
export class KafkaConnection {
  readonly client: Kafka;

  readonly namespace: string;

  constructor(readonly options: KafkaConnectionOptions) {
    this.namespace = options.namespace ?? '';
    const log = options.log;
    this.client = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: 3000,
      requestTimeout: 30000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          if (!log) return;
          const { message, ...extra } = entry;
          log(level === logLevel.ERROR ? 'error' : 'warn', String(message), extra);
        },
    });
  }

  /** Creates missing topics; existing ones are left as they are. */
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(this.topic(spec.name)));
      if (missing.length === 0) return;
      await admin.createTopics({
        // kafkajs waits for leaders but gives up on "does not host this topic-partition" while
        // metadata propagates; the bounded retry below waits for every partition instead.
        waitForLeaders: false,
        topics: missing.map((spec) => ({
          topic: this.topic(spec.name),
          numPartitions: spec.partitions,
          replicationFactor: -1,
          configEntries: [
            { name: 'cleanup.policy', value: spec.compacted ? 'compact' : 'delete' },
            ...(spec.retentionMs ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : []),
          ],
        })),
      });
      // A new topic's partitions take a moment to appear in every broker's metadata; callers
      // (consumers, offset fetches) fail with "does not host this topic-partition" until then.
      for (const spec of missing) await retryTransient(() => admin.fetchTopicOffsets(this.topic(spec.name)));
    } finally {
      await admin.disconnect();
    }
  }

  /** The physical name of a contract topic in this namespace. */
  topic(name: string): string {
    return `${this.namespace}${name}`;
  }

  /** The contract topic name of a physical one (the inverse of `topic`). */
  logicalTopic(physical: string): string {
    return this.namespace && physical.startsWith(this.namespace) ? physical.slice(this.namespace.length) : physical;
  }

  group(groupId: string): string {
    return `${this.namespace}${groupId}`;
  }

  /** Deletes every topic of this namespace (test clean-up); refuses the empty namespace. */
  async deleteNamespaceTopics(): Promise<void> {
    if (!this.namespace) throw new Error('refusing to delete topics outside a namespace');
    const admin = this.client.admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(this.namespace));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } finally {
      await admin.disconnect();
    }
  }

  /** Forgets a (stopped) consumer group's offsets, so it starts over from the beginning: replays. */
  async deleteConsumerGroup(groupId: string): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      await admin.deleteGroups([this.group(groupId)]);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Per partition of a topic: the consumer group's committed offset (null if it never committed)
   * and the log's start and end offsets, as decimal strings. The committed offsets are read
   * before the log ends, so a partition that looks caught up was caught up with every record
   * produced before the call (the pipeline watermark's idle rule relies on this order).
   */
  async consumerPositions(groupId: string, topic: string): Promise<{ partition: number; committedOffset: string | null; lowOffset: string; highOffset: string }[]> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: this.group(groupId), topics: [this.topic(topic)] });
      const ends = await admin.fetchTopicOffsets(this.topic(topic));
      const committedByPartition = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, entry.offset]));
      return ends.map((end) => {
        const offset = committedByPartition.get(end.partition);
        return { partition: end.partition, committedOffset: offset === undefined || offset === '-1' ? null : offset, lowOffset: end.low, highOffset: end.high };
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** True when the cluster answers a metadata request. */
  async ping(): Promise<boolean> {
    const admin = this.client.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** Retries a metadata call that fails while a new topic propagates (bounded: ~10 s). */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 40, delayMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
