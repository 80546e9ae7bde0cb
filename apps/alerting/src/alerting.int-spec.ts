import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { deadLetterTopicOf, Topics, type ScoreChanged } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { resetTestDatabase, ServiceProcess, testEnvironment, waitFor } from '@bellwether/testing';
import { ALERTING_CONSUMER_GROUP } from './alerting.module';

/** Alerting as a real process (dist/) on the real broker and Postgres, fed score changes straight through Kafka. */
const namespace = `it-alerting-${randomUUID().slice(0, 8)}.`;
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'alerting-int', namespace });
const producer = new MessageProducer(kafka);
const db = new Client({ connectionString: testEnvironment.databaseUrl });
const alerting = new ServiceProcess('alerting', 4340 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), {
  KAFKA_BROKERS: testEnvironment.kafkaBrokers,
  DATABASE_URL: testEnvironment.databaseUrl,
  REDIS_URL: testEnvironment.redisUrl,
  CLOCK_MODE: 'event',
  KAFKA_NAMESPACE: namespace,
  KAFKA_SESSION_TIMEOUT_MS: '6000',
});
let tail: TopicTail;

function scoreChange(accountId: string, sequence: number): ScoreChanged {
  const snapshot = { health: 72, band: 'green', churnRisk: 0.2, segment: 'stable', stage: 'adoption' } as const;
  return {
    schemaVersion: 1,
    accountId,
    changeId: `chg-${sequence}-${randomUUID()}`,
    sequence,
    eventTime: '2026-03-02T10:00:00.000Z',
    cause: { kind: 'event', eventId: `evt-${randomUUID()}`, eventType: 'feature.used' },
    before: snapshot,
    after: snapshot,
    drivers: [],
    reasons: ['steady'],
    scorecardVersion: 'default-2026.1',
    account: { csmId: 'csm-9', mrr: 2000 },
  };
}

const processed = async (changeIds: readonly string[]): Promise<string[]> =>
  ((await db.query('SELECT change_id FROM alerting.processed_changes WHERE change_id = ANY($1::text[])', [changeIds])).rows as { change_id: string }[]).map((row) => row.change_id).sort();
const rawRecord = (key: string, value: unknown) => ({ key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), headers: {} });
const letters = () => tail.records.filter((record) => record.headers['dlq_consumer_group'] === ALERTING_CONSUMER_GROUP);

beforeAll(async () => {
  await resetTestDatabase();
  await db.connect();
  await producer.connect();
  await alerting.start();
  tail = new TopicTail(kafka, [deadLetterTopicOf(Topics.scores)]);
  await tail.start();
});

afterAll(async () => {
  await tail?.stop();
  await alerting.stop();
  await producer.disconnect();
  await db.end();
  await kafka.deleteNamespaceTopics();
});

describe('alerting on the real stack', () => {
  it('dead-letters once a score change it cannot store, applies the ones after it, and keeps alerting other accounts', async () => {
    const key = `poison-${randomUUID()}`;
    // U+0000 is valid JSON and a valid identifier in the contract, but PostgreSQL text cannot hold it.
    const changes = [scoreChange(`${key}-a`, 1), scoreChange(`${key}-\u0000`, 1), scoreChange(`${key}-b`, 1)];
    await producer.sendRaw(Topics.scores, changes.map((change) => rawRecord(key, change)));
    const other = scoreChange(`other-${randomUUID()}`, 1);
    await producer.send(Topics.scores, [{ key: other.accountId, value: other }]);

    const good = [changes[0], changes[2], other].map((change) => change?.changeId ?? '');
    await waitFor(async () => (await processed(good)).length === 3, { description: 'the changes around the poison and the other account processed' });
    const letter = await waitFor(() => letters()[0], { description: 'the poison change in the DLQ' });
    expect((letter.value as ScoreChanged).changeId).toBe(changes[1]?.changeId);
    expect(letter.headers).toMatchObject({ dlq_step: 'handler', dlq_topic: Topics.scores });
    expect(letter.headers['dlq_reason']).toMatch(/0x00/);
    expect(await processed([changes[1]?.changeId ?? ''])).toEqual([]);

    // A later change on the same partition is applied after the poison's batch was committed: one dead letter.
    const later = scoreChange(`${key}-c`, 1);
    await producer.sendRaw(Topics.scores, [rawRecord(key, later)]);
    await waitFor(async () => (await processed([later.changeId])).length === 1, { description: 'a later change on the same partition' });
    expect(letters()).toHaveLength(1);
  });
});
