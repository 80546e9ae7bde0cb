import { randomUUID } from 'node:crypto';
import { waitFor } from '@bellwether/testing';
import { CoalescingSender } from './coalescing-sender';
import { KafkaConnection } from './kafka-connection';
import { MessageProducer, type OutgoingRecord } from './message-producer';
import { TopicTail } from './topic-tail';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

/** The real producer's send, held at its first call until `release` (so what queues meanwhile is known). */
function gatedSend(producer: MessageProducer, topic: string) {
  const calls: (readonly OutgoingRecord[])[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const send = async (records: readonly OutgoingRecord[]) => {
    calls.push(records);
    if (calls.length === 1) await gate;
    await producer.send(topic, records);
  };
  return { calls, send, release: () => release() };
}

const sizeOf = (record: OutgoingRecord) => JSON.stringify(record.value).length + 64;

describe('CoalescingSender on a real broker', () => {
  const namespace = `it-coalesce-${randomUUID().slice(0, 8)}.`;
  const connection = new KafkaConnection({ brokers, clientId: 'it-coalescing-sender', namespace });
  const producer = new MessageProducer(connection);
  const topic = 'coalesced';
  let tail: TopicTail;

  beforeAll(async () => {
    await connection.ensureTopics([{ name: topic, partitions: 3, compacted: false }]);
    await producer.connect();
    tail = new TopicTail(connection, [topic]);
    await tail.start();
  });

  afterAll(async () => {
    await tail?.stop();
    await producer.disconnect();
    await connection.deleteNamespaceTopics();
  });

  const valuesOf = (key: string) => tail.records.filter((record) => record.key === key).map((record) => (record.value as { n: number }).n);

  it('acknowledges every concurrent submission, merges those that queued into one send, and keeps each one’s order', async () => {
    const { calls, send, release } = gatedSend(producer, topic);
    const sender = new CoalescingSender({ topic, send, sizeOf, maxSendBytes: 512 * 1024, maxFlushBytes: 1024 * 1024 });
    const keys = Array.from({ length: 12 }, () => `k-${randomUUID()}`);
    const submission = (key: string) => Array.from({ length: 25 }, (_, n) => ({ key, value: { n } }));
    const first = sender.submit(submission(keys[0] ?? ''));
    const rest = keys.slice(1).map((key) => sender.submit(submission(key)));
    expect(sender.queuedRecords).toBe(11 * 25);
    release();
    await Promise.all([first, ...rest]);
    expect(calls.map((records) => records.length)).toEqual([25, 11 * 25]);
    await waitFor(() => keys.every((key) => valuesOf(key).length === 25), { description: 'every record on the topic' });
    for (const key of keys) expect(valuesOf(key)).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });

  it('rejects only the submissions whose records were in a failed send', async () => {
    const { send, release } = gatedSend(producer, topic);
    const sender = new CoalescingSender({ topic, send, sizeOf, maxSendBytes: 512 * 1024, maxFlushBytes: 4 * 1024 * 1024 });
    const [blockerKey, beforeKey, tooLargeKey, afterKey] = ['blocker', 'before', 'too-large', 'after'].map((name) => `${name}-${randomUUID()}`) as [string, string, string, string];
    const blocker = sender.submit([{ key: blockerKey, value: { n: 0 } }]);
    const before = sender.submit([{ key: beforeKey, value: { n: 0 } }]);
    // Over the broker's message.max.bytes (1 MiB): a send of its own, which the broker refuses.
    const tooLarge = sender.submit([{ key: tooLargeKey, value: { n: 0, blob: 'x'.repeat(1_200_000) } }]);
    const after = sender.submit([
      { key: afterKey, value: { n: 0 } },
      { key: afterKey, value: { n: 1 } },
    ]);
    release();
    const outcomes = await Promise.allSettled([blocker, before, tooLarge, after]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    await waitFor(() => valuesOf(afterKey).length === 2 && valuesOf(beforeKey).length === 1, { description: 'the acknowledged records' });
    expect(valuesOf(afterKey)).toEqual([0, 1]);
    expect(valuesOf(tooLargeKey)).toEqual([]);
  });
});
