import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Topics } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { advanceEventsWatermark } from './events-watermark';
import { telemetryEvent } from './messages.fixture';
import { ServiceProcess } from './service-process';
import { resetTestDatabase, testEnvironment } from './test-environment';
import { waitFor } from './wait-for';

/**
 * The test-only watermark hook against scoring as a real process (dist/, CLOCK_MODE=event): every
 * partition of the events topic moves to the given event time, far past what ingestion would accept.
 */
const namespace = `it-watermark-${randomUUID().slice(0, 8)}.`;
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'watermark-int', namespace });
const producer = new MessageProducer(kafka);
const db = new Client({ connectionString: testEnvironment.databaseUrl });
const scoring = new ServiceProcess('scoring', 4350 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), {
  KAFKA_BROKERS: testEnvironment.kafkaBrokers,
  DATABASE_URL: testEnvironment.databaseUrl,
  REDIS_URL: testEnvironment.redisUrl,
  CLOCK_MODE: 'event',
  KAFKA_NAMESPACE: namespace,
  DAY_ROLL_INTERVAL_MS: '200',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
});

const partitionWatermarks = async (): Promise<Map<number, string>> =>
  new Map(((await db.query('SELECT partition, watermark FROM scoring.partition_watermarks')).rows as { partition: number; watermark: Date }[]).map((row) => [row.partition, row.watermark.toISOString()]));

beforeAll(async () => {
  await resetTestDatabase();
  await db.connect();
  await producer.connect();
  await scoring.start();
});

afterAll(async () => {
  await scoring.stop();
  await producer.disconnect();
  await db.end();
  await kafka.deleteNamespaceTopics();
});

describe('advanceEventsWatermark', () => {
  it('moves every partition watermark and the pipeline watermark to a time days ahead, and the day-roll follows', async () => {
    // Ordinary traffic first: one account's event of today.
    const today = new Date();
    const account = `acct-${randomUUID()}`;
    const first = telemetryEvent({ id: `evt_${randomUUID()}`, accountId: account, type: 'session.started', timestamp: today.toISOString() });
    await producer.send(Topics.events, [{ key: account, value: first }]);
    await waitFor(async () => (await db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [first.id])).rowCount === 1, { description: 'the ordinary event applied' });

    // Five days past the next midnight UTC: two 48-hour grace periods later, that midnight is closable.
    const nextMidnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
    const to = new Date(nextMidnight + 5 * 86_400_000 + 3_600_000).toISOString();
    const advanced = await advanceEventsWatermark(kafka, { to });

    const partitions = advanced.records.map((record) => record.partition);
    expect(partitions).toEqual([...partitions.keys()]);
    expect(partitions.length).toBeGreaterThan(1);
    const moved = await waitFor(
      async () => {
        const watermarks = await partitionWatermarks();
        return partitions.every((partition) => watermarks.get(partition) === to) ? watermarks : undefined;
      },
      { description: `every partition watermark at ${to}` },
    );
    expect(moved.size).toBe(partitions.length);
    const pipeline = await waitFor(
      async () => {
        const [row] = (await db.query('SELECT watermark, rolled_through, roll_target FROM scoring.watermark WHERE id = 1')).rows as { watermark: Date | null; rolled_through: Date | null; roll_target: Date | null }[];
        // An earlier roll (up to today's boundary) can finish before the advance reaches the pipeline
        // watermark, so "a roll finished" alone is not enough: wait for the roll past the next midnight.
        const rolledPastNextMidnight = row?.rolled_through !== null && row?.rolled_through !== undefined && row.rolled_through.getTime() > nextMidnight;
        return row?.watermark?.toISOString() === to && row.roll_target === null && rolledPastNextMidnight ? row : undefined;
      },
      { description: 'the pipeline watermark moved and the day-roll past the next midnight finished' },
    );
    // The roll closed every day up to the boundary two grace periods before the watermark, past the next midnight.
    expect(pipeline.rolled_through?.getTime()).toBeGreaterThan(nextMidnight);
    const [closed] = (await db.query('SELECT closed_through FROM scoring.account_state WHERE account_id = $1', [account])).rows as { closed_through: Date | null }[];
    expect(closed?.closed_through?.getTime()).toBe(pipeline.rolled_through?.getTime());
  });
});
