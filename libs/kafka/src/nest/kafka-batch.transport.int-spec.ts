import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { KafkaConnection } from '../kafka-connection';
import { MessageProducer } from '../message-producer';
import { kafkaMetrics } from '../metrics';
import { RecordResults, type BatchResults, type DecodedBatch, type RecordResult } from '../records';
import { TopicTail } from '../topic-tail';
import { KafkaBatchTransport } from './kafka-batch.transport';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

interface Payload {
  n: number;
  late?: boolean;
}

const decodePayload = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as Payload).n === 'number'
    ? { ok: true as const, value: value as Payload }
    : { ok: false as const, problem: 'n must be a number' };

/** `bellwether_kafka_records_consumed_total` of `topic` by result. */
async function consumedByResult(topic: string): Promise<Record<string, number>> {
  const { values } = await kafkaMetrics.consumed.get();
  const counts: Record<string, number> = {};
  for (const { labels, value } of values) if (labels.topic === topic) counts[String(labels.result)] = value;
  return counts;
}

describe('KafkaBatchTransport on a real broker', () => {
  const connection = new KafkaConnection({ brokers, clientId: 'it-batch-transport' });
  const producer = new MessageProducer(connection);
  let topic = '';

  beforeAll(async () => {
    await producer.connect();
  });

  beforeEach(async () => {
    topic = `it.batch-transport.${randomUUID()}`;
    await connection.ensureTopics([
      { name: topic, partitions: 1, compacted: false },
      { name: deadLetterTopicOf(topic), partitions: 1, compacted: false },
    ]);
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  it('decodes each record once by its topic decoder and counts it once by result: a poison record is one dlq, a drop is logged with its reason', async () => {
    const infos: { message: string; extra?: Record<string, unknown> }[] = [];
    const logger = { info: (message: string, extra?: Record<string, unknown>) => void infos.push({ message, extra }), warn: () => undefined, error: () => undefined };
    const transport = new KafkaBatchTransport({ connection, groups: [{ groupId: `it-${randomUUID()}`, decoders: { [topic]: decodePayload } }], deadLetters: producer, logger, backoff: { initialMs: 50, maxMs: 200, factor: 2 } });
    const handled: number[] = [];
    const handler = async (batch: DecodedBatch<Payload>): Promise<BatchResults> => {
      const results = new Map<string, RecordResult>();
      for (const record of batch.records) {
        handled.push(record.value.n);
        if (record.value.late) results.set(record.offset, RecordResults.drop('too late to score'));
      }
      return results;
    };
    transport.addHandler(topic, Object.assign(handler, { isEventHandler: true }), true);
    await producer.send(topic, [
      { key: 'k', value: { n: 1 } },
      { key: 'k', value: { poison: 'valid JSON, but no n' } },
      { key: 'k', value: { n: 3, late: true } },
      { key: 'k', value: { n: 4 } },
    ]);
    const dlq = new TopicTail(connection, [deadLetterTopicOf(topic)]);
    await dlq.start();
    await new Promise<void>((resolve, reject) => void transport.listen((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));
    try {
      const counts = await waitFor(async () => {
        const current = await consumedByResult(topic);
        return (current['ok'] ?? 0) + (current['dlq'] ?? 0) + (current['drop'] ?? 0) >= 4 ? current : undefined;
      }, { description: 'four records counted' });
      expect(counts).toEqual({ ok: 2, dlq: 1, drop: 1 });
      expect(handled).toEqual([1, 3, 4]);
      await waitFor(() => dlq.records.length === 1, { description: 'one dead letter' });
      expect(dlq.records[0]?.headers).toMatchObject({ dlq_step: 'decode', dlq_reason: 'n must be a number', dlq_offset: '1' });
      const { values } = await kafkaMetrics.deadLettered.get();
      expect(values.filter(({ labels }) => labels.topic === topic).map(({ labels, value }) => [labels.step, value])).toEqual([['decode', 1]]);
      expect(infos).toContainEqual({ message: 'record dropped', extra: expect.objectContaining({ topic, offset: '2', reason: 'too late to score' }) });
    } finally {
      await transport.close();
      await dlq.stop();
    }
  });
  it('runs one consumer per group: a topic whose handler is stuck does not hold up another group\'s topic', async () => {
    const otherTopic = `${topic}.other`;
    await connection.ensureTopics([{ name: otherTopic, partitions: 1, compacted: false }, { name: deadLetterTopicOf(otherTopic), partitions: 1, compacted: false }]);
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const transport = new KafkaBatchTransport({
      connection,
      groups: [
        { groupId: `it-slow-${randomUUID()}`, decoders: { [topic]: decodePayload } },
        { groupId: `it-fast-${randomUUID()}`, decoders: { [otherTopic]: decodePayload } },
      ],
      deadLetters: producer,
      logger: silent,
    });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowSeen: number[] = [];
    const fastSeen: number[] = [];
    const slow = async (batch: DecodedBatch<Payload>) => {
      slowSeen.push(...batch.records.map((record) => record.value.n));
      await released;
      return new Map();
    };
    const fast = async (batch: DecodedBatch<Payload>) => {
      fastSeen.push(...batch.records.map((record) => record.value.n));
      return new Map();
    };
    transport.addHandler(topic, Object.assign(slow, { isEventHandler: true }), true);
    transport.addHandler(otherTopic, Object.assign(fast, { isEventHandler: true }), true);
    await producer.send(topic, [{ key: 'k', value: { n: 1 } }]);
    await new Promise<void>((resolve, reject) => void transport.listen((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));
    try {
      await waitFor(() => slowSeen.length === 1, { description: 'the slow topic\'s batch under way' });
      await producer.send(otherTopic, [{ key: 'k', value: { n: 2 } }]);
      await waitFor(() => fastSeen.length === 1, { description: 'the other group\'s record handled while the first is stuck' });
      expect(fastSeen).toEqual([2]);
      expect(transport.health()).toMatchObject({ running: true, live: true });
    } finally {
      release();
      await transport.close();
    }
  });

  it('refuses a topic configured in two groups, and a handled topic in none', async () => {
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const listenError = async (groups: ConstructorParameters<typeof KafkaBatchTransport>[0]['groups']): Promise<string> => {
      const transport = new KafkaBatchTransport({ connection, groups, deadLetters: producer, logger: silent });
      transport.addHandler(topic, Object.assign(async () => new Map(), { isEventHandler: true }), true);
      return new Promise<string>((resolve) => void transport.listen((error) => resolve(error instanceof Error ? error.message : 'no error')));
    };
    expect(await listenError([{ groupId: 'a', decoders: { [topic]: decodePayload } }, { groupId: 'b', decoders: { [topic]: decodePayload } }])).toBe(`topic ${topic} is configured in two consumer groups (a, b)`);
    expect(await listenError([{ groupId: 'a', decoders: {} }])).toBe(`no decoder configured for topic ${topic}`);
  });
});
