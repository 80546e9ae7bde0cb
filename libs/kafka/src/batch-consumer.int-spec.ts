import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { BatchConsumer } from './batch-consumer';
import { KafkaConnection } from './kafka-connection';
import { MessageProducer } from './message-producer';
import { RecordResults, type BatchResults, type DecodedBatch } from './records';
import { TopicTail } from './topic-tail';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Payload {
  n: number;
  poison?: boolean;
}

const decode = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as Payload).n === 'number'
    ? { ok: true as const, value: value as Payload }
    : { ok: false as const, problem: 'n must be a number' };

describe('BatchConsumer on a real broker', () => {
  const connection = new KafkaConnection({ brokers, clientId: 'it-batch-consumer' });
  const producer = new MessageProducer(connection);
  let topic = '';

  beforeAll(async () => {
    await producer.connect();
  });

  beforeEach(async () => {
    topic = `it.batch-consumer.${randomUUID()}`;
    await connection.ensureTopics([
      { name: topic, partitions: 2, compacted: false },
      { name: deadLetterTopicOf(topic), partitions: 1, compacted: false },
    ]);
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  async function consume(groupId: string, handle: (batch: DecodedBatch<Payload>) => Promise<BatchResults | void>): Promise<BatchConsumer<Payload>> {
    const consumer = new BatchConsumer<Payload>(connection, {
      groupId,
      topics: [topic],
      decode,
      handle,
      deadLetters: producer,
      logger: silentLogger,
      backoff: { initialMs: 50, maxMs: 200, factor: 2 },
    });
    await consumer.start();
    return consumer;
  }

  it('dead-letters undecodable and rejected records with their headers, and keeps the partition flowing', async () => {
    await producer.sendRaw(topic, [
      { key: Buffer.from('a'), value: Buffer.from('{not json'), headers: { origin: 'test' } },
      { key: Buffer.from('a'), value: Buffer.from(JSON.stringify({ n: 1 })), headers: {} },
      { key: Buffer.from('a'), value: Buffer.from(JSON.stringify({ n: 2, poison: true })), headers: {} },
      { key: Buffer.from('a'), value: Buffer.from(JSON.stringify({ n: 3 })), headers: {} },
    ]);
    const handled: number[] = [];
    const consumer = await consume(`it-${randomUUID()}`, async (batch) => {
      const results = new Map();
      for (const record of batch.records) {
        if (record.value.poison) results.set(record.offset, RecordResults.dlq('poison flag set', 'test-step'));
        else handled.push(record.value.n);
      }
      return results;
    });
    const dlq = new TopicTail(connection, [deadLetterTopicOf(topic)]);
    await dlq.start();
    try {
      await waitFor(() => dlq.records.length === 2 && handled.length === 2, { description: 'two dead letters and two handled records' });
      expect(handled).toEqual([1, 3]);
      const [undecodable, rejected] = [...dlq.records].sort((x, y) => Number(x.headers['dlq_offset']) - Number(y.headers['dlq_offset']));
      expect(undecodable?.value).toBe('{not json');
      expect(undecodable?.headers).toMatchObject({ origin: 'test', dlq_step: 'decode', dlq_topic: topic, dlq_offset: '0' });
      expect(undecodable?.headers['dlq_reason']).toContain('invalid JSON');
      expect(rejected?.value).toEqual({ n: 2, poison: true });
      expect(rejected?.headers).toMatchObject({ dlq_step: 'test-step', dlq_reason: 'poison flag set', dlq_offset: '2' });
      expect(Date.parse(rejected?.headers['dlq_timestamp'] ?? '')).not.toBeNaN();
    } finally {
      await dlq.stop();
      await consumer.stop();
    }
  });

  it('retries a failing batch without committing, then commits after success: nothing lost, nothing skipped', async () => {
    await producer.send(topic, [1, 2, 3].map((n) => ({ key: 'k', value: { n } })));
    let attempts = 0;
    const seen: number[] = [];
    const groupId = `it-${randomUUID()}`;
    const consumer = await consume(groupId, async (batch) => {
      attempts += 1;
      if (attempts <= 2) throw new Error('database is down');
      seen.push(...batch.records.map((record) => record.value.n));
    });
    await waitFor(() => seen.length === 3, { description: 'the batch to succeed after retries' });
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([1, 2, 3]);
    await consumer.stop();

    // A new member of the same group starts after the committed offset: no redelivery.
    const redelivered: number[] = [];
    await producer.send(topic, [{ key: 'k', value: { n: 4 } }]);
    const second = await consume(groupId, async (batch) => {
      redelivered.push(...batch.records.map((record) => record.value.n));
    });
    await waitFor(() => redelivered.includes(4), { description: 'the next record' });
    expect(redelivered).toEqual([4]);
    await second.stop();
  });

  it('reports the loop unhealthy while a batch keeps failing', async () => {
    await producer.send(topic, [{ key: 'k', value: { n: 1 } }]);
    const consumer = new BatchConsumer<Payload>(connection, {
      groupId: `it-${randomUUID()}`,
      topics: [topic],
      decode,
      handle: async () => {
        throw new Error('still down');
      },
      deadLetters: producer,
      logger: silentLogger,
      backoff: { initialMs: 50, maxMs: 100, factor: 2 },
      stallAfterMs: 300,
    });
    await consumer.start();
    try {
      const health = await waitFor(() => {
        const current = consumer.health();
        return current.healthy ? undefined : current;
      }, { description: 'an unhealthy consumer' });
      expect(health.detail).toContain('still down');
    } finally {
      await consumer.stop();
    }
  });
});
