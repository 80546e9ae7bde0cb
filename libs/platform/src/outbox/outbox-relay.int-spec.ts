import { randomUUID } from 'node:crypto';
import { KafkaConnection, MessageProducer, TopicTail, type OutgoingRecord, type TailedRecord } from '@bellwether/kafka';
import { resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { WallClock } from '../clock/clock';
import { createServiceDataSource } from '../database/data-source.factory';
import { createLogger } from '../logging/logger';
import { enqueueOutbox, outboxInsertSql, outboxKeyIndexDdl, outboxRowOf, outboxTableDdl, type OutboxMessage } from './outbox';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';

describe('OutboxRelay on real Postgres and Kafka', () => {
  const schema = 'it_outbox';
  const applicationName = 'it-outbox';
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema, entities: [], migrations: [], applicationName, poolSize: 6 });
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
    await dataSource.query(`TRUNCATE ${schema}.outbox`);
  });

  afterAll(async () => {
    await producer.disconnect();
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.destroy();
  });

  const relayOf = (options: Omit<OutboxRelayOptions, 'schema'> = {}, through: MessageProducer = producer) =>
    new OutboxRelay(dataSource, through, logger, new WallClock(), { schema, ...options });
  /** Commits `messages` as a service's one write statement does, returning their rows for `publishCommitted`. */
  const commit = async (messages: OutboxMessage[]) => {
    const rows = (await dataSource.query(`WITH outboxed AS (${outboxInsertSql(schema, '$1::jsonb')}) SELECT id::text AS id FROM outboxed ORDER BY id`, [
      JSON.stringify(messages.map(outboxRowOf)),
    ])) as { id: string }[];
    return { ids: rows.map((row) => row.id), messages };
  };
  const unpublished = async () =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE published_at IS NULL`)) as { n: number }[])[0]?.n ?? -1;
  /** Every row left in the outbox, in id order: whether it is marked published, and its payload. */
  const outboxRows = async () =>
    (await dataSource.query(`SELECT published_at IS NOT NULL AS published, payload FROM ${schema}.outbox ORDER BY id`)) as { published: boolean; payload: unknown }[];
  /** Every record on the test's topic: all there is once a fresh reader has caught up (so a record sent twice shows twice). */
  const recordsOnTopic = async (): Promise<TailedRecord[]> => {
    const tail = new TopicTail(connection, [topic]);
    let caughtUp = false;
    void tail.caughtUp.then(() => (caughtUp = true));
    await tail.start();
    try {
      await waitFor(() => caughtUp, { description: `a reader of ${topic} caught up` });
      return [...tail.records];
    } finally {
      await tail.stop();
    }
  };
  const failingProducer = { send: async () => Promise.reject(new Error('broker unreachable')) } as unknown as MessageProducer;
  /** The real producer with its sends held until `release()`: a relay sending through it holds its rows' locks meanwhile. */
  const heldProducer = () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sends = 0;
    const held = {
      send: async (to: string, records: readonly OutgoingRecord[]) => {
        sends += 1;
        await gate;
        await producer.send(to, records);
      },
    } as unknown as MessageProducer;
    return { producer: held, release: () => release(), sends: () => sends };
  };
  /** Sessions of this spec waiting for a lock (a blocked `FOR UPDATE`). */
  const lockWaits = async () =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName])) as { n: number }[])[0]?.n ??
    -1;

  it('publishes committed rows in order, once, and deletes them (OUTBOX_RETENTION_HOURS 0, the default)', async () => {
    await dataSource.transaction((manager) =>
      enqueueOutbox(manager, schema, [1, 2, 3].map((n) => ({ topic, key: 'acct', payload: { n }, headers: { 'bw-n': String(n) } }))),
    );
    const relay = relayOf();
    expect(await relay.publishOnce()).toBe(3);
    expect(await relay.publishOnce()).toBe(0);
    expect(await outboxRows()).toEqual([]);
    // Published right after their commit: deleted as well.
    expect(await relay.publishCommitted(await commit([{ topic, key: 'acct', payload: { n: 4 } }]))).toBe(1);
    expect(await outboxRows()).toEqual([]);
    const records = await recordsOnTopic();
    expect(records.map((record) => record.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(records[0]?.headers['bw-n']).toBe('1');
  });

  it('with OUTBOX_RETENTION_HOURS above 0 keeps the published rows, marked, with their payloads, for the pruner', async () => {
    await dataSource.transaction((manager) => enqueueOutbox(manager, schema, [1, 2].map((n) => ({ topic, key: 'acct', payload: { n } }))));
    const relay = relayOf({ retentionHours: 72 });
    expect(await relay.publishOnce()).toBe(2);
    expect(await relay.publishCommitted(await commit([{ topic, key: 'acct', payload: { n: 3 } }]))).toBe(1);
    expect(await relay.publishOnce()).toBe(0);
    expect(await outboxRows()).toEqual([1, 2, 3].map((n) => ({ published: true, payload: { n } })));
    expect((await recordsOnTopic()).map((record) => record.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('never publishes a rolled-back row', async () => {
    await dataSource
      .transaction(async (manager) => {
        await enqueueOutbox(manager, schema, [{ topic, key: 'acct', payload: { n: 'ghost' } }]);
        throw new Error('business rule failed');
      })
      .catch(() => undefined);
    expect(await relayOf().publishOnce()).toBe(0);
  });

  it('two relays running at once publish every row exactly once', async () => {
    await dataSource.transaction((manager) =>
      enqueueOutbox(manager, schema, Array.from({ length: 200 }, (_, n) => ({ topic, key: `acct-${n % 7}`, payload: { n } }))),
    );
    const relays = [0, 1].map(() => relayOf({ batchSize: 20, pollIntervalMs: 10 }));
    relays.forEach((relay) => relay.start());
    try {
      await waitFor(async () => (await outboxRows()).length === 0, { description: 'every row published and deleted' });
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
    const values = (await recordsOnTopic()).map((record) => (record.value as { n: number }).n);
    expect(values).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  describe.each([
    { retentionHours: 0, left: 'deleted', rows: (): unknown[] => [] },
    { retentionHours: 72, left: 'marked', rows: (n: number): unknown[] => Array.from({ length: n }, () => expect.objectContaining({ published: true })) },
  ])('with OUTBOX_RETENTION_HOURS $retentionHours (published rows $left)', ({ retentionHours, rows }) => {
    const message = (key: string, n: number): OutboxMessage => ({ topic, key, payload: { key, n } });

    it('publishes committed rows right away, an earlier failed send of the same key first: per-key order holds', async () => {
      const down = relayOf({ sweepAfterMs: 60_000, retentionHours }, failingProducer);
      const up = relayOf({ sweepAfterMs: 60_000, retentionHours });
      // The broker fails the first batch's send, after its commit: its rows stay for later.
      expect(await down.publishCommitted(await commit([message('a', 1), message('b', 1)]))).toBe(0);
      expect(await unpublished()).toBe(2);
      // The next batch of key a publishes a's older row first; b's row waits (another key). The
      // sweeper leaves rows younger than sweepAfterMs alone.
      expect(await up.publishCommitted(await commit([message('a', 2)]))).toBe(2);
      expect(await up.publishOnce()).toBe(0);
      expect(await unpublished()).toBe(1);
      // Once old enough, the sweeper publishes what is left.
      const sweeper = relayOf({ sweepAfterMs: 1, retentionHours });
      await waitFor(async () => (await sweeper.publishOnce()) === 1, { description: 'the sweeper to publish the left-over row' });
      const values = (await recordsOnTopic()).map((record) => record.value as { key: string; n: number });
      expect(values.filter((value) => value.key === 'a').map((value) => value.n)).toEqual([1, 2]);
      expect(values.filter((value) => value.key === 'b').map((value) => value.n)).toEqual([1]);
      expect(values).toHaveLength(3);
      expect(await unpublished()).toBe(0);
      expect(await outboxRows()).toEqual(rows(3));
    });

    it('a sweep and direct publishes running at once never publish a key out of order, nor a row twice', async () => {
      const down = relayOf({ retentionHours }, failingProducer);
      const direct = relayOf({ retentionHours });
      // Left-overs of failed sends for 10 keys, then, while a sweeper runs, newer batches of the
      // same keys published directly.
      for (let n = 0; n < 5; n += 1) await down.publishCommitted(await commit(Array.from({ length: 10 }, (_, k) => message(`k${k}`, n))));
      const sweeper = relayOf({ batchSize: 7, pollIntervalMs: 10, retentionHours });
      sweeper.start();
      try {
        for (let n = 5; n < 15; n += 1) await direct.publishCommitted(await commit(Array.from({ length: 10 }, (_, k) => message(`k${k}`, n))));
        await waitFor(async () => (await unpublished()) === 0, { description: 'every row published' });
      } finally {
        await sweeper.stop();
      }
      const values = (await recordsOnTopic()).map((record) => record.value as { key: string; n: number });
      expect(values).toHaveLength(150);
      for (let k = 0; k < 10; k += 1) expect(values.filter((value) => value.key === `k${k}`).map((value) => value.n)).toEqual(Array.from({ length: 15 }, (_, n) => n));
      expect(await outboxRows()).toEqual(rows(150));
    });

    it.each([
      ['direct publish', 'sweep'],
      ['sweep', 'direct publish'],
    ] as const)('a %s holds the rows while it sends: a %s waiting for their lock skips them once it committed, so each is sent once', async (holder, waiter) => {
      const committed = await commit([message('a', 1), message('a', 2)]);
      const publish = { sweep: (relay: OutboxRelay) => relay.publishOnce(), 'direct publish': (relay: OutboxRelay) => relay.publishCommitted(committed) };
      const held = heldProducer();
      const holding = publish[holder](relayOf({ retentionHours }, held.producer));
      await waitFor(() => held.sends() > 0, { description: `the ${holder} sending, its rows locked` });
      const waiting = publish[waiter](relayOf({ retentionHours }));
      await waitFor(async () => (await lockWaits()) === 1, { description: `the ${waiter} waiting for the rows' lock` });
      held.release();
      expect(await holding).toBe(2);
      expect(await waiting).toBe(0);
      expect((await recordsOnTopic()).map((record) => record.value)).toEqual(committed.messages.map((sent) => sent.payload));
      expect(await outboxRows()).toEqual(rows(2));
    });
  });

  it('a nudge publishes at once, long before the idle poll', async () => {
    const relay = relayOf({ pollIntervalMs: 600_000 });
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
