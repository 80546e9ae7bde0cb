import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { TopicSpec } from '@bellwether/contracts';

export interface KafkaConnectionOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Receives kafkajs' own log lines (warn and error only). */
  readonly log?: (level: 'warn' | 'error', message: string, extra: Record<string, unknown>) => void;
}

/** One kafkajs client per process; producers, consumers and the admin come from it. */
export class KafkaConnection {
  readonly client: Kafka;

  constructor(readonly options: KafkaConnectionOptions) {
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
      const missing = specs.filter((spec) => !existing.has(spec.name));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: -1,
          configEntries: [
            { name: 'cleanup.policy', value: spec.compacted ? 'compact' : 'delete' },
            ...(spec.retentionMs ? [{ name: 'retention.ms', value: String(spec.retentionMs) }] : []),
          ],
        })),
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
