import { randomUUID } from 'node:crypto';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { WallClock } from '../clock/clock';
import { createServiceDataSource } from '../database/data-source.factory';
import { createLogger } from '../logging/logger';
import { enqueueOutbox, outboxInsertSql, outboxKeyIndexDdl, outboxRowOf, outboxTableDdl, type OutboxMessage } from './outbox';
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
    for (const statement of [...outboxTableDdl(schema).up, ...outboxKeyIndexDdl(schema).up]) await dataSource.query(statement);
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

  /** Commits `messages` as a service's one write statement does, returning their rows for `publishCommitted`. */
  const commit = async (messages: OutboxMessage[]) => {
    const rows = (await dataSource.query(`WITH outboxed AS (${outboxInsertSql(schema, '$1::jsonb')}) SELECT id::text AS id FROM outboxed ORDER BY id`, [
      JSON.stringify(messages.map(outboxRowOf)),
    ])) as { id: string }[];
    return { ids: rows.map((row) => row.id), messages };
  };
  const unpublished = async () =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE published_at IS NULL`)) as { n: number }[])[0]?.n ?? -1;
  const failingProducer = { send: async () => Promise.reject(new Error('broker unreachable')) } as unknown as MessageProducer;

  it('publishes committed rows right away, an earlier failed send of the same key first: per-key order holds', async () => {
    await dataSource.query(`UPDATE ${schema}.outbox SET published_at = now() WHERE published_at IS NULL`);
    const message = (key: string, n: number): OutboxMessage => ({ topic, key, payload: { key, n } });
    const down = new OutboxRelay(dataSource, failingProducer, logger, new WallClock(), { schema, sweepAfterMs: 60_000 });
    const up = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema, sweepAfterMs: 60_000 });
    // The broker fails the first batch's send, after its commit: its rows stay for later.
    expect(await down.publishCommitted(await commit([message('a', 1), message('b', 1)]))).toBe(0);
    expect(await unpublished()).toBe(2);
    // The next batch of key a publishes a's older row first; b's row waits (another key). The
    // sweeper leaves rows younger than sweepAfterMs alone.
    expect(await up.publishCommitted(await commit([message('a', 2)]))).toBe(2);
    expect(await up.publishOnce()).toBe(0);
    expect(await unpublished()).toBe(1);
    // Once old enough, the sweeper publishes what is left.
    const sweeper = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema, sweepAfterMs: 1 });
    await waitFor(async () => (await sweeper.publishOnce()) === 1, { description: 'the sweeper to publish the left-over row' });
    const tail = new TopicTail(connection, [topic]);
    await tail.start();
    try {
      await waitFor(() => tail.records.length === 3, { description: 'three records' });
      const values = tail.records.map((record) => record.value as { key: string; n: number });
      expect(values.filter((value) => value.key === 'a').map((value) => value.n)).toEqual([1, 2]);
      expect(values.filter((value) => value.key === 'b').map((value) => value.n)).toEqual([1]);
    } finally {
      await tail.stop();
    }
    expect(await unpublished()).toBe(0);
  });

  it('a sweep and direct publishes running at once never publish a key out of order, nor a row twice', async () => {
    await dataSource.query(`UPDATE ${schema}.outbox SET published_at = now() WHERE published_at IS NULL`);
    const down = new OutboxRelay(dataSource, failingProducer, logger, new WallClock(), { schema });
    const direct = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema });
    // Left-overs of failed sends for 10 keys, then, while a sweeper runs, newer batches of the
    // same keys published directly.
    for (let n = 0; n < 5; n += 1) await down.publishCommitted(await commit(Array.from({ length: 10 }, (_, k) => ({ topic, key: `k${k}`, payload: { k, n } }))));
    const sweeper = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema, batchSize: 7, pollIntervalMs: 10 });
    sweeper.start();
    try {
      for (let n = 5; n < 15; n += 1) await direct.publishCommitted(await commit(Array.from({ length: 10 }, (_, k) => ({ topic, key: `k${k}`, payload: { k, n } }))));
      await waitFor(async () => (await unpublished()) === 0, { description: 'every row published' });
    } finally {
      await sweeper.stop();
    }
    const tail = new TopicTail(connection, [topic]);
    await tail.start();
    try {
      await waitFor(() => tail.records.length >= 150, { description: '150 records' });
      const values = tail.records.map((record) => record.value as { k: number; n: number });
      expect(values).toHaveLength(150);
      for (let k = 0; k < 10; k += 1) expect(values.filter((value) => value.k === k).map((value) => value.n)).toEqual(Array.from({ length: 15 }, (_, n) => n));
    } finally {
      await tail.stop();
    }
  });

  it('a nudge publishes at once, long before the idle poll', async () => {
    const relay = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema, pollIntervalMs: 600_000 });
    relay.start();
    try {
      await dataSource.transaction((manager) => enqueueOutbox(manager, schema, [{ topic, key: 'n', payload: { n: 1 } }]));
      relay.nudge();
      await waitFor(async () => (await unpublished()) === 0, { description: 'the nudged row published' });
      await dataSource.transaction((manager) => enqueueOutbox(manager, schema, [{ topic, key: 'n', payload: { n: 2 } }]));
      relay.nudge();
      await waitFor(async () => (await unpublished()) === 0, { description: 'the second nudged row published' });
    } finally {
      await relay.stop();
    }
  });
});
