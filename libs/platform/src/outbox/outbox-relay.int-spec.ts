import { randomUUID } from 'node:crypto';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { WallClock } from '../clock/clock';
import { createServiceDataSource } from '../database/data-source.factory';
import { createLogger } from '../logging/logger';
import { enqueueOutbox, outboxTableDdl } from './outbox';
import { OutboxRelay } from './outbox-relay';

describe('OutboxRelay on real Postgres and Kafka', () => {
  const schema = 'it_outbox';
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema, entities: [], migrations: [], applicationName: 'it-outbox', poolSize: 6 });
  const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-outbox' });
  const producer = new MessageProducer(connection);
  const logger = createLogger('it-outbox', 'silent');
  let topic = '';

  beforeAll(async () => {
    await resetTestDatabase();
    await dataSource.initialize();
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.query(`CREATE SCHEMA ${schema}`);
    for (const statement of outboxTableDdl(schema).up) await dataSource.query(statement);
    await producer.connect();
  });

  beforeEach(async () => {
    topic = `it.outbox.${randomUUID()}`;
    await connection.ensureTopics([{ name: topic, partitions: 1, compacted: false }]);
  });

  afterAll(async () => {
    await producer.disconnect();
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.destroy();
  });

  it('publishes committed rows in order and marks them published', async () => {
    await dataSource.transaction((manager) =>
      enqueueOutbox(manager, schema, [1, 2, 3].map((n) => ({ topic, key: 'acct', payload: { n }, headers: { 'bw-n': String(n) } }))),
    );
    const relay = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema });
    expect(await relay.publishOnce()).toBe(3);
    expect(await relay.publishOnce()).toBe(0);
    const tail = new TopicTail(connection, [topic]);
    await tail.start();
    try {
      await waitFor(() => tail.records.length === 3, { description: 'three published records' });
      expect(tail.records.map((record) => record.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(tail.records[0]?.headers['bw-n']).toBe('1');
    } finally {
      await tail.stop();
    }
    const [{ unpublished }] = (await dataSource.query(`SELECT count(*)::int AS unpublished FROM ${schema}.outbox WHERE published_at IS NULL`)) as { unpublished: number }[];
    expect(unpublished).toBe(0);
  });

  it('never publishes a rolled-back row', async () => {
    await dataSource
      .transaction(async (manager) => {
        await enqueueOutbox(manager, schema, [{ topic, key: 'acct', payload: { n: 'ghost' } }]);
        throw new Error('business rule failed');
      })
      .catch(() => undefined);
    expect(await new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema }).publishOnce()).toBe(0);
  });

  it('two relays running at once publish every row exactly once', async () => {
    await dataSource.transaction((manager) =>
      enqueueOutbox(manager, schema, Array.from({ length: 200 }, (_, n) => ({ topic, key: `acct-${n % 7}`, payload: { n } }))),
    );
    const relays = [0, 1].map(() => new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema, batchSize: 20, pollIntervalMs: 10 }));
    relays.forEach((relay) => relay.start());
    const tail = new TopicTail(connection, [topic]);
    await tail.start();
    try {
      await waitFor(() => tail.records.length >= 200, { description: '200 records' });
      await Promise.all(relays.map((relay) => relay.stop()));
      const values = tail.records.map((record) => (record.value as { n: number }).n);
      expect(new Set(values).size).toBe(200);
      expect(values).toHaveLength(200);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await tail.stop();
    }
  });
});
