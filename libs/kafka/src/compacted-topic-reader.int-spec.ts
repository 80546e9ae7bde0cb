import { randomUUID } from 'node:crypto';
import { waitFor } from '@bellwether/testing';
import { CompactedTopicReader } from './compacted-topic-reader';
import { KafkaConnection } from './kafka-connection';
import { MessageProducer } from './message-producer';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

interface Entry {
  id: string;
  version: number;
}

const decodeEntry = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as Entry).id === 'string' && typeof (value as Entry).version === 'number'
    ? { ok: true as const, value: value as Entry }
    : { ok: false as const, problem: 'not an entry' };

describe('CompactedTopicReader on a real broker', () => {
  const connection = new KafkaConnection({ brokers, clientId: 'it-compacted-reader' });
  const producer = new MessageProducer(connection);

  beforeAll(async () => {
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  it('folds the backlog into memory before it is ready, skips and counts invalid values, and keeps reading past a failing listener', async () => {
    const topic = `it.compacted-reader.${randomUUID()}`;
    await connection.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
    await producer.send(topic, [
      { key: 'a', value: { id: 'a', version: 1 } },
      { key: 'b', value: { id: 'b', version: 1 } },
      { key: 'x', value: { nonsense: true } },
      { key: 'a', value: { id: 'a', version: 2 } },
    ]);
    const state = new Map<string, number>();
    const reader = new CompactedTopicReader<Entry, string>(connection, {
      topic,
      decode: decodeEntry,
      // Only newer versions change anything.
      apply: (entry) => ((state.get(entry.id) ?? 0) >= entry.version ? null : (state.set(entry.id, entry.version), entry.id)),
    });
    const changes: string[] = [];
    reader.onChange(() => {
      throw new Error('a listener that fails');
    });
    reader.onChange((id) => changes.push(id));
    expect(reader.isReady).toBe(false);
    await reader.start();
    try {
      await waitFor(() => reader.isReady, { description: 'the backlog read' });
      expect(Object.fromEntries(state)).toEqual({ a: 2, b: 1 });
      expect(reader.rejectedRecords).toBe(1);
      expect(changes).toEqual(['a', 'b', 'a']);
      await producer.send(topic, [
        { key: 'b', value: { id: 'b', version: 1 } },
        { key: 'b', value: { id: 'b', version: 3 } },
      ]);
      await waitFor(() => state.get('b') === 3, { description: 'the new version of b' });
      expect(changes).toEqual(['a', 'b', 'a', 'b']);
      expect(reader.liveness()).toEqual({ ok: true });
    } finally {
      await reader.stop();
    }
  });
});
