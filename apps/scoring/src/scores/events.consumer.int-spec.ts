import { fixedScorecards } from '../scorecards/scorecard-activations';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Topics, topicSpecs, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail, TransientError, type DecodedBatch } from '@bellwether/kafka';
import { createLogger, createServiceDataSource, migrate, OutboxRelay, Transactions, WallClock } from '@bellwether/platform';
import { defaultScorecard } from '@bellwether/scoring-domain';
import { resetTestDatabase, telemetryEvent, testEnvironment, waitFor } from '@bellwether/testing';
import { SCORING_SCHEMA, scoringMigrations } from '../migrations';
import { ScoringEnv } from '../scoring.env';
import type { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';
import { EventsConsumer } from './events.consumer';
import { ScoreCommitter } from './score-committer.service';

/**
 * The events consumer with its real repositories, Postgres and broker (not as a process): the
 * statements of a batch, partitions handled at once, and a send that fails after the commit.
 */
const namespace = `it-scoring-events-${randomUUID().slice(0, 8)}.`;
const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: SCORING_SCHEMA, entities: [], migrations: scoringMigrations, applicationName: 'it-scoring-events', poolSize: 10 });
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-scoring-events', namespace });
const realProducer = new MessageProducer(kafka);
const logger = createLogger('it-scoring-events', 'silent');

/** `Transactions` on the data source that records every statement run in a transaction. */
class RecordingTransactions extends Transactions {
  readonly statements: string[] = [];

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return dataSource.transaction((manager) => {
      const query = manager.query.bind(manager);
      manager.query = (sql: string, parameters?: unknown[]) => {
        this.statements.push(sql);
        return query(sql, parameters);
      };
      return work(manager);
    });
  }
}

/** A producer that fails every send while `down` (the broker unreachable after the commit). */
class SwitchableProducer extends MessageProducer {
  down = false;

  override send(topic: string, records: Parameters<MessageProducer['send']>[1]): Promise<void> {
    return this.down ? Promise.reject(new Error('broker unreachable')) : realProducer.send(topic, records);
  }
}

/** `Transactions` whose transactions, once their work is done, wait for `release()` before they commit. */
class GatedTransactions extends Transactions {
  reachedGate = false;
  private opened: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return dataSource.transaction(async (manager) => {
      const result = await work(manager);
      this.reachedGate = true;
      await this.gate;
      return result;
    });
  }

  release(): void {
    this.opened();
  }
}

function consumerWith<T extends Transactions = RecordingTransactions>(options: { producer: MessageProducer; sweepAfterMs?: number; transactions?: T }) {
  const transactions = options.transactions ?? new RecordingTransactions();
  const relay = new OutboxRelay(dataSource, options.producer, logger, new WallClock(), { schema: SCORING_SCHEMA, sweepAfterMs: options.sweepAfterMs ?? 60_000 });
  const cache = { invalidate: async () => undefined } as unknown as AccountCache;
  const accounts = new AccountStateRepository();
  const env = Object.assign(new ScoringEnv(), { CLOCK_MODE: 'event', ALLOWED_LATENESS_DAYS: 30, GRACE_PERIOD_HOURS: 48 });
  const consumer = new EventsConsumer(transactions, accounts, new ScoreCommitter(accounts, cache, relay), new WallClock(), env, fixedScorecards(defaultScorecard));
  return { consumer, transactions, relay };
}

const day = (n: number, hour = 10) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000 + hour * 3_600_000).toISOString();
let offset = 0;
const batchOf = (partition: number, events: TelemetryEvent[]): DecodedBatch<TelemetryEvent> => ({
  topic: Topics.events,
  partition,
  records: events.map((value) => ({ topic: Topics.events, partition, offset: String((offset += 1)), key: value.accountId, value, headers: {}, timestamp: '0' })),
  heartbeat: async () => undefined,
});

/** A few busy days of `accountId`, with a detractor's NPS and a failed payment: several score changes. */
function accountEvents(accountId: string, fromDay: number): TelemetryEvent[] {
  const event = (type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}) => telemetryEvent({ id: `evt_${randomUUID()}`, accountId, type, timestamp, properties });
  const events = [event('subscription.changed', day(fromDay), { seats: 5, mrr: 1000, startDate: day(fromDay - 200) })];
  for (let d = fromDay; d < fromDay + 6; d += 1) {
    for (const feature of ['reports', 'dashboards']) events.push({ ...event('feature.used', day(d), { feature }), userId: `u${d % 3}` });
  }
  events.push(event('nps.responded', day(fromDay + 4, 12), { score: 2 }), event('billing.payment_failed', day(fromDay + 5, 9)));
  return events;
}

/** Partition p's batches: its accounts' events in time order, cut into batches of `size` (accounts new to the topic). */
function partitionBatches(partitions: number, accountsPerPartition: number, size: number): DecodedBatch<TelemetryEvent>[][] {
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: partitions }, (_, partition) => {
    const events = Array.from({ length: accountsPerPartition }, (_, n) => accountEvents(`${run}-p${partition}-acct-${n}`, n)).flat().sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const batches: DecodedBatch<TelemetryEvent>[] = [];
    for (let start = 0; start < events.length; start += size) batches.push(batchOf(partition, events.slice(start, start + size)));
    return batches;
  });
}

const stored = async () =>
  (await dataSource.query(`SELECT account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through FROM scoring.account_state ORDER BY account_id`)) as unknown[];
const history = async () =>
  (await dataSource.query(`SELECT account_id, sequence, event_time, health, band, churn_risk, segment, stage, drivers, reasons, cause FROM scoring.score_history ORDER BY account_id, sequence`)) as unknown[];
const freshSchema = async () => {
  await dataSource.query(`DROP SCHEMA IF EXISTS ${SCORING_SCHEMA} CASCADE`);
  await migrate(dataSource, SCORING_SCHEMA);
};

beforeAll(async () => {
  await resetTestDatabase();
  await dataSource.initialize();
  await kafka.ensureTopics(topicSpecs.filter((spec) => spec.name === Topics.scores || spec.name === Topics.accountState));
  await realProducer.connect();
});

afterAll(async () => {
  await realProducer.disconnect();
  await dataSource.destroy();
  await kafka.deleteNamespaceTopics();
});

describe('EventsConsumer on real Postgres', () => {
  it('a partition batch is two statements: one claim-and-read, one write; none touches the pipeline watermark row', async () => {
    await freshSchema();
    const { consumer, transactions } = consumerWith({ producer: new SwitchableProducer(kafka) });
    const [[first, second]] = partitionBatches(1, 3, 20);
    for (const batch of [first, second]) {
      transactions.statements.length = 0;
      await consumer.handle(batch as DecodedBatch<TelemetryEvent>);
      expect(transactions.statements).toHaveLength(2);
      expect(transactions.statements[0]).toMatch(/INSERT INTO scoring\.processed_events[\s\S]*FOR UPDATE/);
      expect(transactions.statements[1]).toMatch(/INSERT INTO scoring\.account_state[\s\S]*scoring\.score_history[\s\S]*"scoring"\.outbox[\s\S]*scoring\.partition_watermarks/);
      expect(transactions.statements.some((sql) => /scoring\.watermark\b/.test(sql))).toBe(false);
    }
    const [watermark] = (await dataSource.query('SELECT partition, watermark FROM scoring.partition_watermarks')) as { partition: number; watermark: Date }[];
    expect(watermark?.partition).toBe(0);
  });

  it('partitions handled at once give the same accounts and history as one batch at a time', async () => {
    const batches = partitionBatches(4, 5, 17);
    const run = async (concurrently: boolean) => {
      await freshSchema();
      const { consumer } = consumerWith({ producer: new SwitchableProducer(kafka) });
      const partition = async (own: DecodedBatch<TelemetryEvent>[]) => {
        for (const batch of own) await consumer.handle(batch);
      };
      if (concurrently) await Promise.all(batches.map(partition));
      else for (const own of batches) await partition(own);
      return { accounts: await stored(), history: await history() };
    };
    const oneAtATime = await run(false);
    const atOnce = await run(true);
    expect(oneAtATime.accounts).toHaveLength(20);
    expect((oneAtATime.history as unknown[]).length).toBeGreaterThan(20);
    expect(atOnce).toEqual(oneAtATime);
  });

  it('a send that fails after the commit leaves the rows; the next batch or the sweeper publishes them, each account in sequence order', async () => {
    await freshSchema();
    const producer = new SwitchableProducer(kafka);
    const { consumer } = consumerWith({ producer });
    const [own] = partitionBatches(1, 4, 9);
    const batches = own as DecodedBatch<TelemetryEvent>[];
    const tail = new TopicTail(kafka, [Topics.scores]);
    await tail.start();
    try {
      // The broker is down after the commits of the first half: their changes stay in the outbox.
      const half = Math.floor(batches.length / 2);
      producer.down = true;
      for (const batch of batches.slice(0, half)) await consumer.handle(batch);
      const [{ left }] = (await dataSource.query('SELECT count(*)::int AS left FROM scoring.outbox WHERE published_at IS NULL')) as { left: number }[];
      expect(left).toBeGreaterThan(0);
      // It is back: the next batches publish their accounts' older rows first, then their own.
      producer.down = false;
      for (const batch of batches.slice(half)) await consumer.handle(batch);
      // Whatever no later batch took along, the sweeper publishes.
      const sweeper = new OutboxRelay(dataSource, producer, logger, new WallClock(), { schema: SCORING_SCHEMA, sweepAfterMs: 1 });
      await waitFor(async () => {
        await sweeper.publishOnce();
        const [{ unpublished }] = (await dataSource.query('SELECT count(*)::int AS unpublished FROM scoring.outbox WHERE published_at IS NULL')) as { unpublished: number }[];
        return unpublished === 0;
      }, { description: 'every outbox row published' });
      const sequences = (await dataSource.query('SELECT account_id, max(sequence)::int AS sequence FROM scoring.account_state GROUP BY account_id')) as { account_id: string; sequence: number }[];
      expect(sequences).toHaveLength(4);
      for (const { account_id: accountId, sequence } of sequences) {
        const published = () => tail.records.filter((record) => record.key === accountId).map((record) => (record.value as ScoreChanged).sequence);
        await waitFor(() => published().length === sequence, { description: `the changes of ${accountId}` });
        expect(published()).toEqual(Array.from({ length: sequence }, (_, n) => n + 1));
      }
    } finally {
      await tail.stop();
    }
  });

  it('a new account\'s batch that read no row while a concurrent batch of its partition created it (a rebalance overlap) is retried, never written over it', async () => {
    await freshSchema();
    const [[whole]] = partitionBatches(1, 1, 100);
    const events = (whole as DecodedBatch<TelemetryEvent>).records.map((record) => record.value);
    const [first] = events;
    // What one consumer makes of the old owner's batch [e1] followed by the new owner's [e1, …].
    const sequential = consumerWith({ producer: new SwitchableProducer(kafka) }).consumer;
    await sequential.handle(batchOf(0, [first as TelemetryEvent]));
    await sequential.handle(batchOf(0, events));
    const expected = { accounts: await stored(), history: await history() };

    await freshSchema();
    const oldOwnerTransactions = new GatedTransactions();
    const oldOwner = consumerWith({ producer: new SwitchableProducer(kafka), transactions: oldOwnerTransactions }).consumer;
    const newOwner = consumerWith({ producer: new SwitchableProducer(kafka) }).consumer;
    // The old owner has created the account, not yet committed.
    const oldOwnerDone = oldOwner.handle(batchOf(0, [first as TelemetryEvent]));
    await waitFor(() => oldOwnerTransactions.reachedGate, { description: 'the old owner\'s batch written, not committed' });
    // The new owner's claim of e1 waits for the old owner's; its read snapshot has no account row.
    const newOwnerFirstTry = newOwner.handle(batchOf(0, events)).then(
      () => 'committed',
      (error: unknown) => (error instanceof TransientError ? 'transient' : `failed: ${String(error)}`),
    );
    await waitFor(async () => {
      const [{ waiting }] = (await dataSource.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE application_name = 'it-scoring-events' AND wait_event_type = 'Lock'`,
      )) as { waiting: number }[];
      return waiting > 0;
    }, { description: 'the new owner\'s claim waiting for the old owner\'s' });
    oldOwnerTransactions.release();
    await oldOwnerDone;
    expect(await newOwnerFirstTry).toBe('transient');
    // The consumer retries the batch (a TransientError): it now reads the row.
    await newOwner.handle(batchOf(0, events));
    expect({ accounts: await stored(), history: await history() }).toEqual(expected);
  });
});
