import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { deadLetterTopicOf, Topics, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { resetTestDatabase, ServiceProcess, testEnvironment, waitFor } from '@bellwether/testing';
import { SCORING_CONSUMER_GROUP } from './scoring.module';

/**
 * Scoring as a real process (dist/) on the real broker and Postgres, fed straight through Kafka
 * so the tests control event time. Replay mode (CLOCK_MODE=event): only event time moves the
 * watermark.
 */
const namespace = `it-scoring-${randomUUID().slice(0, 8)}.`;
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'scoring-int', namespace });
const producer = new MessageProducer(kafka);
const db = new Client({ connectionString: testEnvironment.databaseUrl });
const scoringEnv = {
  KAFKA_BROKERS: testEnvironment.kafkaBrokers,
  DATABASE_URL: testEnvironment.databaseUrl,
  REDIS_URL: testEnvironment.redisUrl,
  CLOCK_MODE: 'event',
  KAFKA_NAMESPACE: namespace,
  DAY_ROLL_INTERVAL_MS: '200',
  DAY_ROLL_CHUNK: '7',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
};
const scoring = new ServiceProcess('scoring', 4320, scoringEnv);
let tail: TopicTail;

const day = (n: number, hour = 10) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000 + hour * 3_600_000).toISOString();
const event = (accountId: string, type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}, id = `evt_${randomUUID()}`): TelemetryEvent => ({
  schemaVersion: 1,
  id,
  type,
  accountId,
  userId: 'u1',
  timestamp,
  receivedAt: timestamp,
  source: 'native',
  properties,
});
const send = (events: TelemetryEvent[]) => producer.send(Topics.events, events.map((value) => ({ key: value.accountId, value })));
const applied = async (): Promise<number> => Number((await db.query('SELECT count(*) AS n FROM scoring.processed_events')).rows[0].n);
const snapshots = async () =>
  (await db.query('SELECT account_id, snapshot, sequence, (state->>\'eventsApplied\')::int AS applied FROM scoring.account_state ORDER BY account_id')).rows as {
    account_id: string;
    snapshot: { health: number; band: string; segment: string };
    sequence: number;
    applied: number;
  }[];
const changesOf = (accountId: string) => tail.records.filter((record) => record.topic === Topics.scores && record.key === accountId).map((record) => record.value as ScoreChanged);

/** 20 busy days of an onboarded 5-seat account. */
function busyAccount(accountId: string, fromDay: number, days = 20): TelemetryEvent[] {
  const events = [event(accountId, 'subscription.changed', day(fromDay), { seats: 5, mrr: 1000, startDate: day(fromDay - 200) })];
  for (let d = fromDay; d < fromDay + days; d += 1) {
    for (const feature of ['reports', 'dashboards', 'integrations']) events.push({ ...event(accountId, 'feature.used', day(d), { feature }), userId: `u${d % 4}` });
  }
  return events;
}

beforeAll(async () => {
  await resetTestDatabase();
  await db.connect();
  await producer.connect();
  await scoring.start();
  tail = new TopicTail(kafka, [Topics.scores, deadLetterTopicOf(Topics.events)]);
  await tail.start();
});

afterAll(async () => {
  await tail?.stop();
  await scoring.stop();
  await producer.disconnect();
  await db.end();
  await kafka.deleteNamespaceTopics();
});

describe('scoring on the real stack', () => {
  it('an account that goes silent loses health as the watermark passes days', async () => {
    const quiet = `quiet-${randomUUID()}`;
    const busy = `busy-${randomUUID()}`;
    await send(busyAccount(quiet, 0));
    await waitFor(() => changesOf(quiet).length > 0, { description: 'a first score for the quiet account' });
    const before = changesOf(quiet).at(-1)?.after.health ?? 0;
    // Only the other account keeps sending: its events carry the watermark 40 days on.
    for (let d = 20; d <= 60; d += 10) await send([event(busy, 'session.started', day(d))]);
    const decayed = await waitFor(() => changesOf(quiet).find((change) => change.cause.kind === 'watermark' && change.after.band === 'red'), {
      description: 'a watermark-caused red score for the silent account',
    });
    expect(decayed.after.health).toBeLessThan(before);
    expect(decayed.eventTime).toBe(new Date(Date.UTC(2025, 0, 1) + 60 * 86_400_000).toISOString());
    expect(decayed.reasons.join(' ')).toMatch(/product_usage/);
  });

  it('applies a late event within the allowed lateness and dead-letters one beyond it', async () => {
    const account = `late-${randomUUID()}`;
    // The account's partition has seen day 60: lateness is judged against that partition's watermark.
    const current = event(account, 'session.started', day(60));
    await send([current]);
    await waitFor(async () => (await db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [current.id])).rowCount === 1, { description: 'the current event' });
    const withinLateness = event(account, 'nps.responded', day(50), { score: 2 });
    const tooLate = event(account, 'session.started', day(5));
    await send([withinLateness, tooLate]);
    const letter = await waitFor(() => tail.records.find((record) => record.topic === deadLetterTopicOf(Topics.events) && (record.value as TelemetryEvent).id === tooLate.id), {
      description: 'the too-late event in the DLQ',
    });
    expect(letter.headers).toMatchObject({ dlq_step: 'lateness', dlq_topic: Topics.events });
    expect(letter.headers['dlq_reason']).toMatch(/more than 30 days behind the watermark/);
    await waitFor(async () => (await db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [withinLateness.id])).rowCount === 1, {
      description: 'the late-but-allowed event applied',
    });
  });

  it('counts a duplicated event once', async () => {
    const account = `dup-${randomUUID()}`;
    const once = event(account, 'feature.used', day(60), { feature: 'api' });
    await send([once, once]);
    await send([once]);
    const marker = event(account, 'session.started', day(60, 11));
    await send([marker]);
    await waitFor(async () => (await db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [marker.id])).rowCount === 1, { description: 'the marker' });
    const [row] = (await snapshots()).filter((snapshot) => snapshot.account_id === account);
    expect(row?.applied).toBe(2);
  });

  it('dead-letters poison messages with their headers and keeps the partition flowing', async () => {
    const account = `poison-${randomUUID()}`;
    await producer.sendRaw(Topics.events, [
      { key: Buffer.from(account), value: Buffer.from('{"not": "an event"'), headers: {} },
      { key: Buffer.from(account), value: Buffer.from(JSON.stringify({ schemaVersion: 1, id: 'x', type: 'session.started' })), headers: {} },
    ]);
    const after = event(account, 'session.started', day(60, 12));
    await send([after]);
    await waitFor(async () => (await db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [after.id])).rowCount === 1, { description: 'the event after the poison' });
    const letters = await waitFor(() => {
      const found = tail.records.filter((record) => record.topic === deadLetterTopicOf(Topics.events) && record.key === account);
      return found.length === 2 ? found : undefined;
    }, { description: 'both poison messages in the DLQ' });
    expect(letters.map((letter) => letter.headers['dlq_step'])).toEqual(['decode', 'decode']);
    expect(letters[0]?.headers['dlq_reason']).toMatch(/invalid JSON/);
    expect(letters[1]?.headers['dlq_reason']).toMatch(/accountId: is required/);
  });

  it('survives kill -9 mid-stream: every event counted exactly once, no score change lost', async () => {
    const accounts = Array.from({ length: 40 }, (_, n) => `crash-${n}-${randomUUID().slice(0, 6)}`);
    const events = accounts.flatMap((account) => busyAccount(account, 40, 15));
    const baseline = await applied();
    for (let offset = 0; offset < events.length; offset += 200) await send(events.slice(offset, offset + 200));
    await waitFor(async () => (await applied()) > baseline, { description: 'scoring to start on the batch', intervalMs: 20 });
    await scoring.stop('SIGKILL');
    await scoring.start();
    await waitFor(async () => (await applied()) === baseline + events.length, { description: 'every event applied after the restart', timeoutMs: 120_000 });
    const rows = (await snapshots()).filter((snapshot) => accounts.includes(snapshot.account_id));
    expect(rows).toHaveLength(accounts.length);
    expect(rows.every((row) => row.applied === events.length / accounts.length)).toBe(true);
    // Every score change in the history reached the topic, in sequence, none missing.
    for (const row of rows) {
      await waitFor(() => new Set(changesOf(row.account_id).map((change) => change.sequence)).size === row.sequence, { description: `all changes of ${row.account_id}` });
      const sequences = [...new Set(changesOf(row.account_id).map((change) => change.sequence))].sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: row.sequence }, (_, n) => n + 1));
    }
  });

  it('replaying the same events from the beginning gives the same scores', async () => {
    // A fresh stream in its own namespace, replayed by a fresh consumer group into an empty schema.
    const replayNamespace = `it-replay-${randomUUID().slice(0, 8)}.`;
    const replayKafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'scoring-replay', namespace: replayNamespace });
    const replayProducer = new MessageProducer(replayKafka);
    const replaying = new ServiceProcess('scoring', 4321, { ...scoringEnv, KAFKA_NAMESPACE: replayNamespace });
    const accounts = Array.from({ length: 12 }, (_, n) => `replay-${n}`);
    const stream = accounts.flatMap((account, n) => [
      ...busyAccount(account, n * 3, 10 + n),
      ...(n % 3 === 0 ? [event(account, 'nps.responded', day(n * 3 + 5), { score: n % 2 === 0 ? 2 : 9 })] : []),
      ...(n % 4 === 0 ? [event(account, 'support.ticket_opened', day(n * 3 + 4), { ticketId: 't', topic: 'sso' })] : []),
    ]);
    const finalScores = async () =>
      (await snapshots())
        .filter((row) => accounts.includes(row.account_id))
        .map(({ account_id, snapshot, applied: count }) => ({ account_id, count, health: snapshot.health, band: snapshot.band, segment: snapshot.segment }));
    try {
      await scoring.stop();
      await resetTestDatabase();
      await replayProducer.connect();
      await replaying.start();
      for (let offset = 0; offset < stream.length; offset += 150) {
        await replayProducer.send(Topics.events, stream.slice(offset, offset + 150).map((value) => ({ key: value.accountId, value })));
      }
      await waitFor(async () => (await applied()) === stream.length, { description: 'the first run', timeoutMs: 60_000 });
      const settle = async () => {
        let previous = '';
        await waitFor(async () => {
          const current = JSON.stringify(await finalScores());
          const stable = current === previous;
          previous = current;
          return stable;
        }, { description: 'scores to settle', intervalMs: 1500, timeoutMs: 60_000 });
        return finalScores();
      };
      const first = await settle();

      await replaying.stop();
      await db.query('DROP SCHEMA scoring CASCADE');
      await replayKafka.deleteConsumerGroup(SCORING_CONSUMER_GROUP);
      await replaying.start();
      await waitFor(async () => (await applied()) === stream.length, { description: 'the replay', timeoutMs: 60_000 });
      expect(await settle()).toEqual(first);
      expect(first).toHaveLength(accounts.length);
    } finally {
      await replaying.stop();
      await replayProducer.disconnect();
      await replayKafka.deleteNamespaceTopics();
    }
  });
});
