import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { deadLetterTopicOf, Topics, type AlertLifecycleEvent, type PipelineWatermark, type PlaybookRunEvent, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { applyAccountEvents, closeAccountDays, defaultScorecard } from '@bellwether/scoring-domain';
import { resetTestDatabase, ServiceProcess, telemetryEvent, testEnvironment, waitFor } from '@bellwether/testing';
import { SCORING_CONSUMER_GROUP, SCORING_SIDE_INPUTS_CONSUMER_GROUP } from './scoring.module';

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
const scoring = new ServiceProcess('scoring', 4320 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), scoringEnv);
let tail: TopicTail;

const day = (n: number, hour = 10) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000 + hour * 3_600_000).toISOString();
const event = (accountId: string, type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}, id = `evt_${randomUUID()}`): TelemetryEvent =>
  telemetryEvent({ id, accountId, type, timestamp, properties });
const send = (events: TelemetryEvent[]) => producer.send(Topics.events, events.map((value) => ({ key: value.accountId, value })));
const applied = async (): Promise<number> => Number((await db.query('SELECT count(*) AS n FROM scoring.processed_events')).rows[0].n);
const snapshots = async () =>
  (await db.query('SELECT account_id, snapshot, sequence, (state->>\'eventsApplied\')::int AS applied FROM scoring.account_state ORDER BY account_id')).rows as {
    account_id: string;
    snapshot: { health: number; band: string; segment: string };
    sequence: number;
    applied: number;
  }[];
const isApplied = async (id: string): Promise<boolean> => (await db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [id])).rowCount === 1;
const lettersOf = (topic: string, matches: (value: unknown) => boolean) =>
  tail.records.filter((record) => record.topic === deadLetterTopicOf(topic) && record.headers['dlq_consumer_group'] === (topic === Topics.events ? SCORING_CONSUMER_GROUP : SCORING_SIDE_INPUTS_CONSUMER_GROUP) && matches(record.value));
const rawRecord = (key: string, value: unknown) => ({ key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), headers: {} });
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
  tail = new TopicTail(kafka, [Topics.scores, Topics.watermarks, ...[Topics.events, Topics.alerts, Topics.playbookRuns].map(deadLetterTopicOf)]);
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
  it('an account that goes silent loses health day by day once the pipeline watermark is two grace periods past each day', async () => {
    const quiet = `quiet-${randomUUID()}`;
    const busy = `busy-${randomUUID()}`;
    const quietEvents = busyAccount(quiet, 0);
    await send(quietEvents);
    await waitFor(() => changesOf(quiet).length > 0, { description: 'a first score for the quiet account' });
    const before = changesOf(quiet).at(-1)?.after.health ?? 0;
    // Only the other account keeps sending: its events carry the watermark to day 60.
    for (let d = 20; d <= 60; d += 10) await send([event(busy, 'session.started', day(d))]);
    // Every partition caught up: the watermark is day 60 10:00, and two 48-hour grace periods
    // before it, days up to day 55 are closed, each as of its last millisecond, in order.
    const closedThrough = new Date(Date.UTC(2025, 0, 1) + 56 * 86_400_000).toISOString();
    await waitFor(() => tail.records.find((record) => record.topic === Topics.watermarks && (record.value as PipelineWatermark).closedThrough === closedThrough), {
      description: `a pipeline watermark closed through ${closedThrough}`,
    });
    const closes = changesOf(quiet).filter((change) => change.cause.kind === 'watermark');
    const decayed = closes.find((change) => change.after.band === 'red');
    expect(decayed?.after.health).toBeLessThan(before);
    // Days are closed one by one, so each close explains that day's move.
    expect(decayed?.reasons.length).toBeGreaterThan(0);
    expect(decayed?.drivers.find((driver) => driver.measure === 'product_usage')?.score).toBeLessThan(50);
    // The same as the pure domain gives for these events alone: whatever the interleaving of the
    // sends and the roller, the red day and every close before it are functions of the events.
    const ownStream = applyAccountEvents(quiet, null, quietEvents, defaultScorecard, { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 });
    const rolled = closeAccountDays(quiet, ownStream.stored, closedThrough, defaultScorecard);
    const expected = [...ownStream.changes, ...rolled.changes].filter((change) => change.cause.kind === 'watermark');
    expect(closes.map((change) => [change.eventTime, change.after])).toEqual(expected.map((change) => [change.eventTime, change.after]));
    expect(closes.every((change) => change.eventTime.endsWith('T23:59:59.999Z') && change.eventTime < closedThrough)).toBe(true);
  });

  it('re-scores an event late within the allowed lateness as of its own time; one beyond it is recorded, not scored and not dead-lettered', async () => {
    const account = `late-${randomUUID()}`;
    const current = event(account, 'session.started', day(60));
    await send([current]);
    await waitFor(() => isApplied(current.id), { description: 'the current event' });
    const withinLateness = event(account, 'nps.responded', day(50), { score: 2 });
    const tooLate = event(account, 'session.started', day(5));
    await send([withinLateness, tooLate]);
    const rescored = await waitFor(() => changesOf(account).find((change) => change.cause.kind === 'event' && change.cause.eventId === withinLateness.id), {
      description: 'the late event re-scored',
    });
    expect(rescored.eventTime).toBe(day(50));
    expect(rescored.after.segment).toBe('at_risk');
    await waitFor(() => isApplied(tooLate.id), { description: 'the too-late event recorded' });
    const [row] = (await db.query("SELECT (state->>'eventsApplied')::int AS applied FROM scoring.account_state WHERE account_id = $1", [account])).rows as { applied: number }[];
    expect(row?.applied).toBe(2);
    expect(lettersOf(Topics.events, (value) => (value as TelemetryEvent).id === tooLate.id)).toEqual([]);
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

  it('dead-letters once an event whose property holds an unpaired surrogate, and keeps scoring past it', async () => {
    const account = `surrogate-${randomUUID()}`;
    const bystander = `bystander-${randomUUID()}`;
    const before = event(account, 'feature.used', day(61), { feature: 'reports' });
    const poison = event(account, 'feature.used', day(61, 11), { feature: 'placeholder' });
    const after = [event(account, 'feature.used', day(61, 12), { feature: 'dashboards' }), event(account, 'session.started', day(61, 13))];
    // Half an emoji, JSON-escaped as a real client sends it: JSON.parse gives a lone surrogate that jsonb refuses.
    const poisonJson = JSON.stringify(poison).replace('"placeholder"', '"x\\ud83d"');
    expect(poisonJson).toContain('"feature":"x\\ud83d"');
    // One produce request on one key: one partition, the poison in the middle of a batch.
    await producer.sendRaw(Topics.events, [
      rawRecord(account, before),
      { key: Buffer.from(account), value: Buffer.from(poisonJson), headers: {} },
      ...after.map((value) => rawRecord(account, value)),
    ]);
    const others = [event(bystander, 'subscription.changed', day(61), { seats: 5, mrr: 1000, startDate: day(1) }), event(bystander, 'feature.used', day(61, 14), { feature: 'api' })];
    await send(others);

    for (const applied of [before, ...after, ...others]) await waitFor(() => isApplied(applied.id), { description: `event ${applied.type} ${applied.id} applied` });
    await waitFor(() => changesOf(bystander).length > 0, { description: 'the other account scored' });
    const letter = await waitFor(() => lettersOf(Topics.events, (value) => (value as TelemetryEvent).id === poison.id)[0], { description: 'the poison event in the DLQ' });
    expect(letter.headers).toMatchObject({ dlq_step: 'handler', dlq_topic: Topics.events });
    expect(letter.headers['dlq_reason']).toMatch(/json/i);
    expect((letter.value as TelemetryEvent).properties['feature']).toBe('x\ud83d');
    expect(await isApplied(poison.id)).toBe(false);

    // A later event of the account is applied after the poison's batch was committed: the poison was dead-lettered once.
    const marker = event(account, 'session.started', day(61, 15));
    await send([marker]);
    await waitFor(() => isApplied(marker.id), { description: 'a later event of the account' });
    expect(lettersOf(Topics.events, (value) => (value as TelemetryEvent).id === poison.id)).toHaveLength(1);
    const [row] = (await snapshots()).filter((snapshot) => snapshot.account_id === account);
    expect(row?.applied).toBe(4);
  });

  it('read models: an alert or run event the projection cannot store is dead-lettered once, the ones after it are applied', async () => {
    const key = `rm-${randomUUID()}`;
    const alert = (accountId: string): AlertLifecycleEvent => {
      const alertId = `al_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      return {
        schemaVersion: 1, eventId: `${alertId}:1`, kind: 'opened', alertId, revision: 1, accountId, rule: 'churn_risk_high', category: 'risk', severity: 'high',
        priority: 8, queue: 'csm:csm-it', status: 'open', evidence: ['test'], occurredAt: day(61),
      };
    };
    const run = (accountId: string): PlaybookRunEvent => ({
      schemaVersion: 1, eventId: `run_${randomUUID()}:started`, kind: 'run.started', runId: `run_${randomUUID()}`, playbookId: 'save-at-risk', playbookVersion: 1, accountId, occurredAt: day(61),
    });
    // U+0000 is valid JSON and a valid identifier in the contract, but PostgreSQL text cannot hold it.
    const alerts = [alert(`${key}-a`), alert(`${key}-\u0000`), alert(`${key}-b`)];
    const runs = [run(`${key}-a`), run(`${key}-\u0000`), run(`${key}-b`)];
    await producer.sendRaw(Topics.alerts, alerts.map((value) => rawRecord(key, value)));
    await producer.sendRaw(Topics.playbookRuns, runs.map((value) => rawRecord(key, value)));

    const alertIds = async () => (await db.query('SELECT alert_id FROM scoring.account_alerts WHERE account_id LIKE $1', [`${key}%`])).rows.map((r: { alert_id: string }) => r.alert_id).sort();
    const runIds = async () => (await db.query('SELECT run_id FROM scoring.account_runs WHERE account_id LIKE $1', [`${key}%`])).rows.map((r: { run_id: string }) => r.run_id).sort();
    await waitFor(async () => (await alertIds()).length === 2 && (await runIds()).length === 2, { description: 'the alerts and runs around the poison projected' });
    expect(await alertIds()).toEqual([alerts[0]?.alertId, alerts[2]?.alertId].sort());
    expect(await runIds()).toEqual([runs[0]?.runId, runs[2]?.runId].sort());
    const alertLetter = await waitFor(() => lettersOf(Topics.alerts, (value) => (value as AlertLifecycleEvent).alertId === alerts[1]?.alertId)[0], { description: 'the alert in the DLQ' });
    const runLetter = await waitFor(() => lettersOf(Topics.playbookRuns, (value) => (value as PlaybookRunEvent).runId === runs[1]?.runId)[0], { description: 'the run in the DLQ' });
    for (const letter of [alertLetter, runLetter]) {
      expect(letter.headers['dlq_step']).toBe('handler');
      expect(letter.headers['dlq_reason']).toMatch(/0x00/);
    }

    // Later records on the same partitions are applied, and nothing was dead-lettered twice.
    const later = { alert: alert(`${key}-c`), run: run(`${key}-c`) };
    await producer.sendRaw(Topics.alerts, [rawRecord(key, later.alert)]);
    await producer.sendRaw(Topics.playbookRuns, [rawRecord(key, later.run)]);
    await waitFor(async () => (await alertIds()).includes(later.alert.alertId) && (await runIds()).includes(later.run.runId), { description: 'the later alert and run' });
    expect(lettersOf(Topics.alerts, (value) => (value as AlertLifecycleEvent).accountId.startsWith(key))).toHaveLength(1);
    expect(lettersOf(Topics.playbookRuns, (value) => (value as PlaybookRunEvent).accountId.startsWith(key))).toHaveLength(1);
  });

  it('the side inputs read again from the beginning by their new group (as on the upgrade) leave the read models and the clock as they were', async () => {
    const key = `upgrade-${randomUUID()}`;
    const alertId = `al_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const revision = (n: number, kind: AlertLifecycleEvent['kind'], status: AlertLifecycleEvent['status']): AlertLifecycleEvent => ({
      schemaVersion: 1, eventId: `${alertId}:${n}`, kind, alertId, revision: n, accountId: key, rule: 'churn_risk_high', category: 'risk', severity: 'high',
      priority: 8, queue: 'csm:csm-it', status, evidence: ['test'], occurredAt: day(61, n),
    });
    const runId = `run_${randomUUID()}`;
    const run = (kind: PlaybookRunEvent['kind']): PlaybookRunEvent => ({
      schemaVersion: 1, eventId: `${runId}:${kind}`, kind, runId, playbookId: 'save-at-risk', playbookVersion: 1, accountId: key, occurredAt: day(61, kind === 'run.started' ? 1 : 2),
      ...(kind === 'run.ended' ? { outcome: 'completed' } : {}),
    });
    await producer.sendRaw(Topics.alerts, [revision(1, 'opened', 'open'), revision(2, 'acknowledged', 'acknowledged')].map((value) => rawRecord(key, value)));
    await producer.sendRaw(Topics.playbookRuns, [run('run.started'), run('run.ended')].map((value) => rawRecord(key, value)));
    const readModels = async () => ({
      alerts: (await db.query('SELECT alert_id, status, revision FROM scoring.account_alerts WHERE account_id = $1', [key])).rows,
      runs: (await db.query('SELECT run_id, status, outcome FROM scoring.account_runs WHERE account_id = $1', [key])).rows,
      clock: (await db.query('SELECT clock_tick FROM scoring.watermark WHERE id = 1')).rows,
    });
    const before = await waitFor(async () => {
      const current = await readModels();
      return current.alerts[0]?.revision === 2 && current.runs[0]?.status === 'ended' ? current : undefined;
    }, { description: 'the alert acknowledged and the run ended' });
    await scoring.stop();
    await kafka.deleteConsumerGroup(SCORING_SIDE_INPUTS_CONSUMER_GROUP);
    await scoring.start();
    // A later record on the same partitions: once it is projected, everything before it was read again.
    const later = { ...revision(3, 'resolved', 'resolved'), alertId: `${alertId}x`, eventId: `${alertId}x:3` };
    await producer.sendRaw(Topics.alerts, [rawRecord(key, later)]);
    await waitFor(async () => (await readModels()).alerts.length === 2, { description: 'the later alert projected after the replay' });
    const after = await readModels();
    expect({ ...after, alerts: after.alerts.filter((row: { alert_id: string }) => row.alert_id === alertId) }).toEqual(before);
  });

  it('retries a batch whose database connection is killed mid-transaction: nothing dead-lettered, nothing lost', async () => {
    const accounts = Array.from({ length: 4 }, (_, n) => `blip-${n}-${randomUUID().slice(0, 6)}`);
    const events = accounts.flatMap((account) => busyAccount(account, 62, 2));
    const locker = new Client({ connectionString: testEnvironment.databaseUrl });
    await locker.connect();
    try {
      // Hold the accounts table, so scoring's transaction waits on the lock; then kill that connection,
      // as a Postgres restart or failover would (SQLSTATE 57P01, admin_shutdown).
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE scoring.account_state IN ACCESS EXCLUSIVE MODE');
      await send(events);
      const waiting = await waitFor(async () => {
        const { rows } = await locker.query(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'bellwether-scoring' AND wait_event_type = 'Lock' AND datname = current_database()",
        );
        return rows.length > 0 ? (rows as { pid: number }[]) : undefined;
      }, { description: 'scoring waiting on the locked table' });
      for (const { pid } of waiting) await locker.query('SELECT pg_terminate_backend($1)', [pid]);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    for (const applied of events) await waitFor(() => isApplied(applied.id), { description: `event ${applied.id} applied after the retry` });
    const rows = (await snapshots()).filter((snapshot) => accounts.includes(snapshot.account_id));
    expect(rows.map((row) => row.applied)).toEqual(accounts.map(() => events.length / accounts.length));
    expect(lettersOf(Topics.events, (value) => accounts.includes((value as TelemetryEvent).accountId))).toEqual([]);
  });

  it('replaying the same events from the beginning gives the same scores', async () => {
    // A fresh stream in its own namespace, replayed by a fresh consumer group into an empty schema.
    const replayNamespace = `it-replay-${randomUUID().slice(0, 8)}.`;
    const replayKafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'scoring-replay', namespace: replayNamespace });
    const replayProducer = new MessageProducer(replayKafka);
    const replaying = new ServiceProcess('scoring', 4321 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), { ...scoringEnv, KAFKA_NAMESPACE: replayNamespace });
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
