import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import type { KafkaConnection } from './kafka-connection';

export interface TailedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads topics as an outside observer would (tests, the demo, example integrators): its own
 * throw-away consumer group, from the beginning or the end, never committing.
 */
export class TopicTail {
  private readonly consumer: Consumer;
  readonly records: TailedRecord[] = [];

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topics: readonly string[],
    private readonly options: { fromBeginning: boolean; onRecord?: (record: TailedRecord) => void } = { fromBeginning: true },
  ) {
    this.consumer = connection.client.consumer({ groupId: connection.group(`bellwether-tail-${randomUUID()}`), allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
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
        const headers: Record<string, string> = {};
        for (const [name, header] of Object.entries(message.headers ?? {})) if (header !== undefined) headers[name] = header.toString();
        const record = { topic: this.connection.logicalTopic(topic), partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value, headers };
        this.records.push(record);
        this.options.onRecord?.(record);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
