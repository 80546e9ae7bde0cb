import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { BatchConsumer } from './batch-consumer';
import { KafkaConnection } from './kafka-connection';
import { MessageProducer } from './message-producer';
import { RecordResults, TransientError, type BatchResults, type DecodedBatch } from './records';
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

  async function consume(
    groupId: string,
    handle: (batch: DecodedBatch<Payload>) => Promise<BatchResults | void>,
    fetching: { partitionsConsumedConcurrently?: number; maxRecordsPerCall?: number } = {},
  ): Promise<BatchConsumer<Payload>> {
    const consumer = new BatchConsumer<Payload>(connection, {
      groupId,
      decoders: { [topic]: decode },
      handle,
      ...fetching,
      deadLetters: producer,
      logger: silentLogger,
      backoff: { initialMs: 50, maxMs: 200, factor: 2 },
    });
    await consumer.start();
    return consumer;
  }

  it('hands a partition batch over in chunks of maxRecordsPerCall, in offset order, and commits past the last', async () => {
    await producer.sendRaw(topic, [1, 2, 3, 4, 5].map((n) => ({ key: Buffer.from('same-key'), value: Buffer.from(JSON.stringify({ n })), headers: {} })));
    const calls: number[][] = [];
    const groupId = `it-${randomUUID()}`;
    const consumer = await consume(groupId, async (batch) => void calls.push(batch.records.map((record) => record.value.n)), { maxRecordsPerCall: 2 });
    try {
      await waitFor(() => calls.flat().length === 5, { description: 'five records handled' });
      expect(calls.flat()).toEqual([1, 2, 3, 4, 5]);
      expect(Math.max(...calls.map((call) => call.length))).toBeLessThanOrEqual(2);
      const committed = await waitFor(async () => {
        const positions = await connection.consumerPositions(groupId, topic);
        const total = positions.reduce((sum, { committedOffset }) => sum + Number(committedOffset ?? 0), 0);
        return total === 5 ? total : undefined;
      }, { description: 'offsets committed past all five records' });
      expect(committed).toBe(5);
    } finally {
      await consumer.stop();
    }
  });

  it('runs the batches of different partitions at once when partitionsConsumedConcurrently allows it', async () => {
    // Partition 0's batch waits until partition 1's batch has started: with one partition at a
    // time that never happens and the test times out.
    // kafkajs' default partitioner (murmur2, as Java's) puts key "a" on partition 0 and "d" on 1 of 2.
    await producer.sendRaw(topic, [
      { key: Buffer.from('a'), value: Buffer.from(JSON.stringify({ n: 0 })), headers: {} },
      { key: Buffer.from('d'), value: Buffer.from(JSON.stringify({ n: 1 })), headers: {} },
    ]);
    const started = new Set<number>();
    const finished: number[] = [];
    const consumer = await consume(
      `it-${randomUUID()}`,
      async (batch) => {
        started.add(batch.partition);
        await waitFor(() => started.size === 2, { description: 'both partitions under way at once', timeoutMs: 20_000 });
        finished.push(batch.partition);
      },
      { partitionsConsumedConcurrently: 2 },
    );
    try {
      await waitFor(() => finished.length === 2, { description: 'both partition batches finished', timeoutMs: 30_000 });
      expect([...finished].sort()).toEqual([0, 1]);
    } finally {
      await consumer.stop();
    }
  });

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

  it('retries a transiently failing batch without committing, then commits after success: nothing lost, nothing skipped', async () => {
    await producer.send(topic, [1, 2, 3].map((n) => ({ key: 'k', value: { n } })));
    let attempts = 0;
    const seen: number[] = [];
    const groupId = `it-${randomUUID()}`;
    const consumer = await consume(groupId, async (batch) => {
      attempts += 1;
      if (attempts <= 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
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

  it('reports the loop not ready while a batch keeps failing transiently, and not live once it stalls', async () => {
    await producer.send(topic, [{ key: 'k', value: { n: 1 } }]);
    const consumer = new BatchConsumer<Payload>(connection, {
      groupId: `it-${randomUUID()}`,
      decoders: { [topic]: decode },
      handle: async () => {
        throw new TransientError('still down');
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
      const stalled = await waitFor(() => {
        const current = consumer.health();
        return current.live ? undefined : current;
      }, { description: 'the retrying loop to count as stalled' });
      expect(stalled.detail).toMatch(/^stalled/);
    } finally {
      await consumer.stop();
    }
  });

  it('isolates a record the handler throws on: only it is dead-lettered, the rest applied in order, the offset committed past it', async () => {
    const values = [1, 2, 3, 4, 5, 6, 7];
    await producer.send(topic, values.map((n) => ({ key: 'k', value: n === 4 ? { n, poison: true } : { n } })));
    const applied: number[] = [];
    let calls = 0;
    const groupId = `it-${randomUUID()}`;
    // Like a transactional handler: a sub-batch holding the poison applies nothing.
    const consumer = await consume(groupId, async (batch) => {
      calls += 1;
      const poison = batch.records.find((record) => record.value.poison);
      if (poison) throw new Error(`invalid input syntax for type json (record ${poison.value.n})`);
      applied.push(...batch.records.map((record) => record.value.n));
    });
    const dlq = new TopicTail(connection, [deadLetterTopicOf(topic)]);
    await dlq.start();
    try {
      await waitFor(() => applied.length === 6 && dlq.records.length === 1, { description: 'six applied records and one dead letter' });
      expect(applied).toEqual([1, 2, 3, 5, 6, 7]);
      expect(calls).toBeGreaterThan(1);
      const [letter] = dlq.records;
      expect(letter?.value).toEqual({ n: 4, poison: true });
      expect(letter?.headers).toMatchObject({ dlq_step: 'handler', dlq_topic: topic, dlq_consumer_group: groupId });
      expect(letter?.headers['dlq_reason']).toContain('invalid input syntax for type json (record 4)');
      await consumer.stop();

      // Committed past the poison: a new member of the group sees only what comes next.
      const redelivered: number[] = [];
      await producer.send(topic, [{ key: 'k', value: { n: 8 } }]);
      const second = await consume(groupId, async (batch) => {
        redelivered.push(...batch.records.map((record) => record.value.n));
      });
      await waitFor(() => redelivered.includes(8), { description: 'the next record' });
      expect(redelivered).toEqual([8]);
      await second.stop();
      expect(dlq.records).toHaveLength(1);
    } finally {
      await dlq.stop();
    }
  });

  it('retries a transient error met while isolating a poison record instead of dead-lettering', async () => {
    await producer.send(topic, [1, 2, 3, 4].map((n) => ({ key: 'k', value: n === 2 ? { n, poison: true } : { n } })));
    const applied: number[] = [];
    let transientFailures = 0;
    const consumer = await consume(`it-${randomUUID()}`, async (batch) => {
      // The first sub-batch attempt after the split meets a database blip.
      if (batch.records.length < 4 && transientFailures < 2) {
        transientFailures += 1;
        throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      }
      if (batch.records.some((record) => record.value.poison)) throw new Error('record 2 is bad');
      applied.push(...batch.records.map((record) => record.value.n));
    });
    const dlq = new TopicTail(connection, [deadLetterTopicOf(topic)]);
    await dlq.start();
    try {
      await waitFor(() => applied.length === 3 && dlq.records.length === 1, { description: 'three applied records and one dead letter' });
      expect(transientFailures).toBe(2);
      expect(applied).toEqual([1, 3, 4]);
      expect((dlq.records[0]?.value as Payload).n).toBe(2);
      expect(dlq.records[0]?.headers['dlq_reason']).toBe('record 2 is bad');
    } finally {
      await dlq.stop();
      await consumer.stop();
    }
  });

  it('never stays up without consuming: a member the broker will not let join is restarted, then the loop gives up and tells the service', async () => {
    // A session timeout below the broker's group.min.session.timeout.ms: every join fails for
    // good (INVALID_SESSION_TIMEOUT, not retriable), so kafkajs crashes without restarting.
    const crashes: unknown[] = [];
    const gaveUp = jest.fn();
    const consumer = new BatchConsumer<Payload>(connection, {
      groupId: `it-${randomUUID()}`,
      decoders: { [topic]: decode },
      handle: async () => undefined,
      deadLetters: producer,
      logger: { ...silentLogger, error: (message, extra) => void (message === 'kafka consumer crashed' && crashes.push(extra)) },
      backoff: { initialMs: 50, maxMs: 100, factor: 2 },
      sessionTimeoutMs: 1000,
      restartAttempts: 2,
      onGaveUp: gaveUp,
    });
    await consumer.start();
    try {
      await waitFor(() => gaveUp.mock.calls.length === 1, { description: 'the loop to give up after its restarts', timeoutMs: 60_000 });
      // The crash at start and one per restart, none of which kafkajs restarts.
      expect(crashes).toHaveLength(3);
      expect(crashes).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ restart: false })));
      expect(consumer.health()).toMatchObject({ healthy: false, live: false });
    } finally {
      await consumer.stop();
    }
  });
});

