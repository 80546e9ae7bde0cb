import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { deadLetterTopicOf, Topics, type AlertLifecycleEvent, type ApiKeyRecord, type ConfigActivationRecord, type IncidentLifecycleEvent, type PipelineWatermark, type ScoreChanged } from '@bellwether/contracts';
import { defaultRuleSet } from '@bellwether/alerting-domain';
import { generateKey } from '@bellwether/auth';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { configFileFolder, resetTestDatabase, ServiceProcess, testEnvironment, waitFor } from '@bellwether/testing';
import { ALERTING_CONSUMER_GROUP } from './alerting.module';

/** Alerting as a real process (dist/) on the real broker and Postgres, fed score changes straight through Kafka. */
const namespace = `it-alerting-${randomUUID().slice(0, 8)}.`;
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'alerting-int', namespace });
const producer = new MessageProducer(kafka);
const db = new Client({ connectionString: testEnvironment.databaseUrl });
const alertingEnv = {
  KAFKA_BROKERS: testEnvironment.kafkaBrokers,
  DATABASE_URL: testEnvironment.databaseUrl,
  REDIS_URL: testEnvironment.redisUrl,
  CLOCK_MODE: 'event',
  KAFKA_NAMESPACE: namespace,
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  // The admin API's production limit (5/s, burst 30) would make these tests' answers depend on the
  // machine's speed (429 instead of 400); the admin limit has its own test (e2e/rate-limits.e2e-spec.ts).
  ADMIN_RATE_LIMIT_PER_SECOND: '1000',
  ADMIN_RATE_LIMIT_BURST: '10000',
  ESCALATION_SLA_SECONDS: '3600',
  ALERT_TIMERS_INTERVAL_MS: '200',
};
const alerting = new ServiceProcess('alerting', 4340 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), alertingEnv);
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

/** A change that takes a green account into red at `eventTime`: it opens a critical (P1) health_entered_red alert. */
function redChange(accountId: string, eventTime: string): ScoreChanged {
  return {
    ...scoreChange(accountId, 1),
    eventTime,
    before: { health: 72, band: 'green', churnRisk: 0.2, segment: 'stable', stage: 'adoption' },
    after: { health: 30, band: 'red', churnRisk: 0.3, segment: 'at_risk', stage: 'adoption' },
  };
}

/** Publishes scoring's pipeline watermark as scoring does: key `pipeline` on the (namespaced) watermarks topic. */
async function publishWatermark(watermark: string): Promise<void> {
  const value: PipelineWatermark = { schemaVersion: 1, watermark, closedThrough: null };
  await producer.send(Topics.watermarks, [{ key: 'pipeline', value }]);
}

/**
 * Resolves once the alert timers finished a pass at pipeline time `at` (their readiness detail),
 * so that a test can say what a pass at that time did not do.
 */
async function timersPassedAt(at: string): Promise<void> {
  await waitFor(
    async () => {
      const body = (await (await fetch(`${alerting.baseUrl}/readyz`)).json()) as { checks: Record<string, { detail?: string }> };
      return body.checks['alert-timers']?.detail === `last pass at pipeline time ${at}`;
    },
    { description: `an alert-timers pass at pipeline time ${at}` },
  );
}

interface AlertRow {
  id: string;
  status: string;
  sla_due_at: Date | null;
  escalated_to: string | null;
  snoozed_until: Date | null;
}
const alertOf = async (accountId: string): Promise<AlertRow | undefined> =>
  (await db.query(`SELECT id, status, sla_due_at, escalated_to, snoozed_until FROM alerting.alerts WHERE account_id = $1 AND rule_id = 'health_entered_red'`, [accountId])).rows[0] as
    | AlertRow
    | undefined;
/**
 * What alerting published on `topic` that `belongs`, in order, once at least `count` such records
 * arrived: what left through the outbox is read on the topic (published rows are deleted).
 */
const publishedOn = <T>(topic: string, belongs: (value: T) => boolean, count: number, description: string): Promise<T[]> =>
  waitFor(
    () => {
      const values = tail.records.filter((record) => record.topic === topic).map((record) => record.value as T).filter(belongs);
      return values.length >= count ? values : undefined;
    },
    { description: `${count} ${description}` },
  );
/** The lifecycle events of an alert on `bellwether.alerts.v1`, once at least `count` arrived. */
const alertEvents = (alertId: string, count: number): Promise<AlertLifecycleEvent[]> =>
  publishedOn<AlertLifecycleEvent>(Topics.alerts, (event) => event.alertId === alertId, count, `lifecycle events of alert ${alertId}`);
const lifecycleKinds = async (alertId: string, count: number): Promise<string[]> => (await alertEvents(alertId, count)).map((event) => event.kind);

const processed = async (changeIds: readonly string[]): Promise<string[]> =>
  ((await db.query('SELECT change_id FROM alerting.processed_changes WHERE change_id = ANY($1::text[])', [changeIds])).rows as { change_id: string }[]).map((row) => row.change_id).sort();
const rawRecord = (key: string, value: unknown) => ({ key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), headers: {} });
const letters = () => tail.records.filter((record) => record.headers['dlq_consumer_group'] === ALERTING_CONSUMER_GROUP);

beforeAll(async () => {
  await resetTestDatabase();
  await db.connect();
  await producer.connect();
  await alerting.start();
  tail = new TopicTail(kafka, [deadLetterTopicOf(Topics.scores), Topics.alerts, Topics.incidents, Topics.configActivations]);
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

describe('alerting timers on the pipeline clock (CLOCK_MODE=event)', () => {
  it('escalates a P1 only once the pipeline watermark reaches its due time: the opening event time plus the SLA', async () => {
    const accountId = `sla-${randomUUID()}`;
    await producer.send(Topics.scores, [{ key: accountId, value: redChange(accountId, '2026-04-01T08:00:00.000Z') }]);
    const opened = await waitFor(() => alertOf(accountId), { description: 'the P1 alert' });
    // Due at event time + ESCALATION_SLA_SECONDS, not at the database's now() + SLA.
    expect(opened.sla_due_at?.toISOString()).toBe('2026-04-01T09:00:00.000Z');

    // Wall time is months past the due time; only the watermark counts. A second short of it: nothing.
    await publishWatermark('2026-04-01T08:59:59.000Z');
    await timersPassedAt('2026-04-01T08:59:59.000Z');
    expect(await alertOf(accountId)).toMatchObject({ status: 'open', escalated_to: null });
    expect(await lifecycleKinds(opened.id, 1)).toEqual(['opened']);

    await publishWatermark('2026-04-01T09:00:00.000Z');
    await waitFor(async () => (await alertOf(accountId))?.escalated_to === 'manager:default', { description: 'the escalation once the watermark reached the due time' });
    const events = await alertEvents(opened.id, 2);
    expect(events.map((event) => event.kind)).toEqual(['opened', 'escalated']);
    expect(events[1]?.occurredAt).toBe('2026-04-01T09:00:00.000Z');
    // Published, so gone from the outbox: OUTBOX_RETENTION_HOURS is 0 unless told otherwise.
    const outboxed = async () => ((await db.query(`SELECT count(*)::int AS n FROM alerting.outbox WHERE payload->>'alertId' = $1`, [opened.id])).rows[0] as { n: number }).n;
    await waitFor(async () => (await outboxed()) === 0, { description: "the alert's published events deleted from the outbox" });
  });

  it('judges a snooze’s until against the pipeline clock, and wakes it only once the watermark reaches it', async () => {
    const key = generateKey();
    const record: ApiKeyRecord = { schemaVersion: 1, id: key.id, secretSha256: key.secretSha256, scopes: ['csm'], csmId: 'csm-9', team: null, revoked: false, updatedAt: new Date().toISOString() };
    await producer.send(Topics.apiKeys, [{ key: key.id, value: record }]);
    const api = (path: string, body?: unknown) =>
      fetch(`${alerting.baseUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${key.plaintext}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    await waitFor(async () => (await api('/v1/queues/csm:csm-9/alerts')).status === 200, { description: 'the key to reach alerting' });

    const accountId = `snooze-${randomUUID()}`;
    await producer.send(Topics.scores, [{ key: accountId, value: redChange(accountId, '2026-06-01T08:00:00.000Z') }]);
    const opened = await waitFor(() => alertOf(accountId), { description: 'the alert' });

    // The pipeline clock trails this account's event time: a snooze is judged from the later of the two.
    expect((await api(`/v1/alerts/${opened.id}/snooze`, { until: '2026-06-01T07:00:00Z' })).status).toBe(409);
    // Months in the wall clock's past, a day ahead in pipeline time: accepted.
    const snoozed = await api(`/v1/alerts/${opened.id}/snooze`, { until: '2026-06-02T08:00:00Z' });
    expect([snoozed.status, await snoozed.json()]).toEqual([200, expect.objectContaining({ status: 'snoozed', snoozedUntil: '2026-06-02T08:00:00.000Z' })]);

    await publishWatermark('2026-06-01T20:00:00.000Z');
    await timersPassedAt('2026-06-01T20:00:00.000Z');
    expect(await alertOf(accountId)).toMatchObject({ status: 'snoozed' });
    // Now the pipeline clock is ahead of the alert's own time: an until before it is in the past.
    const late = await api(`/v1/alerts/${opened.id}/snooze`, { until: '2026-06-01T12:00:00Z' });
    expect([late.status, JSON.stringify(await late.json())]).toEqual([409, expect.stringContaining('now 2026-06-01T20:00:00.000Z')]);

    await publishWatermark('2026-06-02T08:00:00.000Z');
    await waitFor(async () => (await alertOf(accountId))?.status === 'open', { description: 'the snooze to run out on the pipeline clock' });
    expect(await alertOf(accountId)).toMatchObject({ snoozed_until: null });
    // (A P1 woken past its SLA escalates on a later pass; that is the first test's subject.)
    expect((await lifecycleKinds(opened.id, 3)).slice(0, 3)).toEqual(['opened', 'snoozed', 'updated']);
  });

  it('keeps no health point from a score on insufficient data: the first score with data after it is no 45-point drop', async () => {
    const accountId = `young-${randomUUID()}`;
    // A new account's partial score (billing only: 100), then its first score with data (55, yellow).
    const partial = { health: 100, band: 'green', churnRisk: 0.2, segment: 'stable', stage: 'onboarding', insufficientData: true } as const;
    const judged = { health: 55, band: 'yellow', churnRisk: 0.3, segment: 'stable', stage: 'onboarding' } as const;
    const first: ScoreChanged = { ...scoreChange(accountId, 1), eventTime: '2026-03-01T10:00:00.000Z', before: null, after: partial };
    const second: ScoreChanged = { ...scoreChange(accountId, 2), eventTime: '2026-03-02T10:00:00.000Z', before: partial, after: judged };
    await producer.send(Topics.scores, [first, second].map((value) => ({ key: accountId, value })));
    await waitFor(async () => (await processed([first.changeId, second.changeId])).length === 2, { description: 'both changes processed' });
    const points = (await db.query('SELECT health FROM alerting.score_points WHERE account_id = $1', [accountId])).rows as { health: number }[];
    expect(points).toEqual([{ health: 55 }]);
    expect((await db.query('SELECT rule_id FROM alerting.alerts WHERE account_id = $1', [accountId])).rows).toEqual([]);
  });
});

describe('incidents, hysteresis and churn on the real stack', () => {
  const csmKey = generateKey();
  const otherCsmKey = generateKey();
  const api = (key: ReturnType<typeof generateKey>, path: string, body?: unknown) =>
    fetch(`${alerting.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key.plaintext}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** A red change at `eventTime` with churn risk 0.7; `churnedAt` marks the account churned. */
  const riskyChange = (accountId: string, sequence: number, eventTime: string, churnedAt?: string): ScoreChanged => ({
    ...redChange(accountId, eventTime),
    changeId: `chg-${sequence}-${randomUUID()}`,
    sequence,
    after: { health: 30, band: 'red', churnRisk: 0.7, segment: 'at_risk', stage: 'adoption' },
    account: { csmId: 'csm-9', mrr: 2000, ...(churnedAt ? { churnedAt } : {}) },
  });
  interface IncidentRow {
    id: string;
    status: string;
    severity: string;
    outcome: string | null;
    rule_ids: string[];
    queue: string;
    resolved_at: Date | null;
  }
  const incidentsOf = async (accountId: string): Promise<IncidentRow[]> =>
    (await db.query('SELECT id, status, severity, outcome, rule_ids, queue, resolved_at FROM alerting.incidents WHERE account_id = $1 ORDER BY opened_at', [accountId])).rows as IncidentRow[];
  const alertsOf = async (accountId: string): Promise<{ rule_id: string; status: string; outcome: string | null; incident_id: string | null }[]> =>
    (await db.query('SELECT rule_id, status, outcome, incident_id FROM alerting.alerts WHERE account_id = $1 ORDER BY opened_at, rule_id', [accountId])).rows as {
      rule_id: string;
      status: string;
      outcome: string | null;
      incident_id: string | null;
    }[];
  const pendingOf = async (accountId: string): Promise<{ rule_id: string; firing_since: Date | null }[]> =>
    (await db.query('SELECT rule_id, firing_since FROM alerting.rule_hysteresis WHERE account_id = $1 ORDER BY rule_id', [accountId])).rows as { rule_id: string; firing_since: Date | null }[];
  /** The lifecycle kinds of an incident on `bellwether.incidents.v1`, once at least `count` arrived. */
  const incidentKinds = async (incidentId: string, count: number): Promise<string[]> =>
    (await publishedOn<IncidentLifecycleEvent>(Topics.incidents, (event) => event.incidentId === incidentId, count, `lifecycle events of incident ${incidentId}`)).map((event) => event.kind);

  beforeAll(async () => {
    for (const [key, csmId] of [
      [csmKey, 'csm-9'],
      [otherCsmKey, 'csm-other'],
    ] as const) {
      const record: ApiKeyRecord = { schemaVersion: 1, id: key.id, secretSha256: key.secretSha256, scopes: ['csm'], csmId, team: null, revoked: false, updatedAt: new Date().toISOString() };
      await producer.send(Topics.apiKeys, [{ key: key.id, value: record }]);
    }
    await waitFor(async () => (await api(csmKey, '/v1/queues/csm:csm-9/incidents')).status === 200, { description: 'the CSM key to reach alerting' });
  });

  it('groups an account’s risk alerts into one incident, holds state rules for their holdsFor, and acts on the incident over HTTP', async () => {
    const accountId = `incident-${randomUUID()}`;
    const yellow = (sequence: number, eventTime: string): ScoreChanged => ({
      ...riskyChange(accountId, sequence, eventTime),
      before: { health: 58, band: 'yellow', churnRisk: 0.7, segment: 'at_risk', stage: 'adoption' },
      after: { health: 56, band: 'yellow', churnRisk: 0.7, segment: 'at_risk', stage: 'adoption' },
    });
    const first = yellow(1, '2026-09-01T08:00:00.000Z');
    await producer.send(Topics.scores, [{ key: accountId, value: first }]);
    await waitFor(async () => (await processed([first.changeId])).length === 1, { description: 'the first change' });
    // churn_risk_high and segment_at_risk are state rules held for 48 h: pending, nothing opens.
    expect(await alertsOf(accountId)).toEqual([]);
    expect(await incidentsOf(accountId)).toEqual([]);
    expect(await pendingOf(accountId)).toEqual([
      { rule_id: 'churn_risk_high', firing_since: new Date('2026-09-01T08:00:00.000Z') },
      { rule_id: 'segment_at_risk', firing_since: new Date('2026-09-01T08:00:00.000Z') },
    ]);

    // Still firing 48 h later: both open, into one incident.
    await producer.send(Topics.scores, [{ key: accountId, value: yellow(2, '2026-09-03T08:00:00.000Z') }]);
    await waitFor(async () => (await incidentsOf(accountId)).length === 1, { description: 'the risk incident' });
    // Then red: the critical rule joins the same incident and raises its severity, and the 14-day
    // drop it came with joins as a listed rule (no critical alert holds a risk rule back any more).
    const red = riskyChange(accountId, 3, '2026-09-04T08:00:00.000Z');
    await producer.send(Topics.scores, [{ key: accountId, value: red }]);
    await waitFor(async () => (await processed([red.changeId])).length === 1, { description: 'the red change' });
    const [incident] = await incidentsOf(accountId);
    expect(await incidentsOf(accountId)).toHaveLength(1);
    // Once their alerts are active, the rules' pending state is gone.
    expect(await pendingOf(accountId)).toEqual([]);
    expect(incident).toMatchObject({ status: 'open', severity: 'critical', queue: 'csm:csm-9' });
    expect(incident?.rule_ids).toEqual(['churn_risk_high', 'segment_at_risk', 'health_dropped', 'health_entered_red']);
    const alerts = await alertsOf(accountId);
    expect(alerts).toHaveLength(4);
    expect(new Set(alerts.map((alert) => alert.incident_id))).toEqual(new Set([incident?.id]));
    expect(await incidentKinds(incident?.id ?? '', 2)).toEqual(['opened', 'updated']);
    // The alert events name their incident: every one published so far, the four alerts' openings among them.
    await publishedOn<AlertLifecycleEvent>(Topics.alerts, (event) => event.accountId === accountId && event.kind === 'opened', 4, `openings of the alerts of ${accountId}`);
    const stamped = await publishedOn<AlertLifecycleEvent>(Topics.alerts, (event) => event.accountId === accountId, 4, `lifecycle events of the alerts of ${accountId}`);
    expect([...new Set(stamped.map((event) => event.incidentId))]).toEqual([incident?.id]);

    // The queue lists the incident with its rules; another CSM neither sees nor acts on it.
    const listed = (await (await api(csmKey, '/v1/queues/csm:csm-9/incidents')).json()) as { incidents: { incidentId: string; rules: { rule: string; evidence: string[] }[] }[] };
    const item = listed.incidents.find((candidate) => candidate.incidentId === incident?.id);
    expect(item?.rules.map((rule) => rule.rule).sort()).toEqual(['churn_risk_high', 'health_dropped', 'health_entered_red', 'segment_at_risk']);
    expect(item?.rules.every((rule) => rule.evidence.length > 0)).toBe(true);
    expect((await api(otherCsmKey, '/v1/queues/csm:csm-9/incidents')).status).toBe(404);
    expect((await api(otherCsmKey, `/v1/incidents/${incident?.id}/acknowledge`, {})).status).toBe(404);

    const acknowledged = await api(csmKey, `/v1/incidents/${incident?.id}/acknowledge`, {});
    expect([acknowledged.status, await acknowledged.json()]).toEqual([200, expect.objectContaining({ incidentId: incident?.id, status: 'acknowledged' })]);
    expect((await alertsOf(accountId)).map((alert) => alert.status)).toEqual(['acknowledged', 'acknowledged', 'acknowledged', 'acknowledged']);
    expect(await incidentKinds(incident?.id ?? '', 3)).toEqual(['opened', 'updated', 'acknowledged']);

    const resolved = await api(csmKey, `/v1/incidents/${incident?.id}/resolve`, { outcome: 'saved' });
    expect([resolved.status, await resolved.json()]).toEqual([200, expect.objectContaining({ status: 'resolved', outcome: 'saved' })]);
    expect((await alertsOf(accountId)).every((alert) => alert.status === 'resolved' && alert.outcome === 'saved')).toBe(true);
    expect((await api(csmKey, `/v1/incidents/${incident?.id}/resolve`, { outcome: 'saved' })).status).toBe(409);
  });

  it('moves an incident to the account’s new owner when an alert routed to them joins it (review of issue 15)', async () => {
    const accountId = `moved-${randomUUID()}`;
    await producer.send(Topics.scores, [{ key: accountId, value: riskyChange(accountId, 1, '2026-10-01T08:00:00.000Z') }]);
    await waitFor(async () => (await incidentsOf(accountId)).length === 1, { description: 'the red incident' });
    expect((await incidentsOf(accountId))[0]?.queue).toBe('csm:csm-9');
    // Reassigned to csm-7; the held state rules open now (48 h later), routed to the new owner, and join.
    const reassigned: ScoreChanged = { ...riskyChange(accountId, 2, '2026-10-03T09:00:00.000Z'), account: { csmId: 'csm-7', mrr: 2000 } };
    await producer.send(Topics.scores, [{ key: accountId, value: reassigned }]);
    await waitFor(async () => (await incidentsOf(accountId))[0]?.queue === 'csm:csm-7', { description: 'the incident in the new owner’s queue' });
    expect(await incidentsOf(accountId)).toHaveLength(1);
  });

  it('on churn resolves every alert and incident as churned, drops pending holds and opens nothing until reactivated', async () => {
    const accountId = `churn-${randomUUID()}`;
    await producer.send(Topics.scores, [{ key: accountId, value: riskyChange(accountId, 1, '2026-09-10T08:00:00.000Z') }]);
    await waitFor(async () => (await incidentsOf(accountId)).length === 1, { description: 'the risk incident' });
    expect(await pendingOf(accountId)).toHaveLength(2);

    const churned = riskyChange(accountId, 2, '2026-09-13T08:00:00.000Z', '2026-09-13T08:00:00.000Z');
    const stillChurned = riskyChange(accountId, 3, '2026-09-20T08:00:00.000Z', '2026-09-13T08:00:00.000Z');
    await producer.send(Topics.scores, [{ key: accountId, value: churned }]);
    await producer.send(Topics.scores, [{ key: accountId, value: stillChurned }]);
    await waitFor(async () => (await processed([churned.changeId, stillChurned.changeId])).length === 2, { description: 'the churned changes' });
    expect(await alertsOf(accountId)).toEqual([
      expect.objectContaining({ rule_id: 'health_dropped', status: 'resolved', outcome: 'churned' }),
      expect.objectContaining({ rule_id: 'health_entered_red', status: 'resolved', outcome: 'churned' }),
    ]);
    expect(await incidentsOf(accountId)).toEqual([expect.objectContaining({ status: 'resolved', outcome: 'churned', resolved_at: new Date('2026-09-13T08:00:00.000Z') })]);
    expect(await pendingOf(accountId)).toEqual([]);

    // Reactivated (no churnedAt): a normal account again.
    const back = riskyChange(accountId, 4, '2026-09-25T08:00:00.000Z');
    await producer.send(Topics.scores, [{ key: accountId, value: back }]);
    await waitFor(async () => (await incidentsOf(accountId)).length === 2, { description: 'a new incident after reactivation' });
    expect((await incidentsOf(accountId))[1]).toMatchObject({ status: 'open', outcome: null });
  });
});

describe('alert rule sets as versioned data through the admin API (issue 18 §1)', () => {
  const adminKey = generateKey();
  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${alerting.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey.plaintext}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const errorPaths = (answer: { body: Record<string, unknown> }) => ((answer.body['errors'] ?? []) as { path: string }[]).map((error) => error.path);
  const stored = async () =>
    ((await db.query(`SELECT version, status, created_by FROM alerting.config_versions WHERE kind = 'rule-set' ORDER BY created_at, version`)).rows as { version: string; status: string; created_by: string }[]).map(
      (row) => [row.version, row.status, row.created_by],
    );
  const audited = async () =>
    ((await db.query('SELECT actor_key_id, action, subject FROM alerting.admin_audit ORDER BY id')).rows as { actor_key_id: string; action: string; subject: string }[]).map((row) => [
      row.actor_key_id,
      row.action,
      row.subject,
    ]);
  const readiness = async (check: string) => ((await (await fetch(`${alerting.baseUrl}/readyz`)).json()) as { checks: Record<string, { detail?: string }> }).checks[check]?.detail ?? '';
  const alertVersions = async (accountId: string) =>
    ((await db.query('SELECT rule_id, rule_set_version FROM alerting.alerts WHERE account_id = $1 ORDER BY rule_id', [accountId])).rows as { rule_id: string; rule_set_version: string }[]).map((row) => [
      row.rule_id,
      row.rule_set_version,
    ]);
  const activationRecords = () => tail.records.filter((record) => record.topic === Topics.configActivations).map((record) => record.value as ConfigActivationRecord);
  // The default set with health_dropped's threshold raised from 15 to 50 points.
  const stricter = { version: 'rs-int-2', rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { ...rule.params, dropPoints: 50 } } : rule)) };
  const droppedRule = defaultRuleSet.rules.find((rule) => rule.id === 'health_dropped');

  beforeAll(async () => {
    const record: ApiKeyRecord = { schemaVersion: 1, id: adminKey.id, secretSha256: adminKey.secretSha256, scopes: ['admin'], csmId: null, team: null, revoked: false, updatedAt: new Date().toISOString() };
    await producer.send(Topics.apiKeys, [{ key: adminKey.id, value: record }]);
    await waitFor(async () => (await api('GET', '/v1/admin/rule-sets')).status === 200, { description: 'the admin key to reach alerting' });
  });

  it('stores the built-in rule set at first start as the active version, audited as config', async () => {
    const list = await api('GET', '/v1/admin/rule-sets');
    expect([list.body['active'], list.body['inForce']]).toEqual([defaultRuleSet.version, defaultRuleSet.version]);
    expect(await stored()).toEqual([[defaultRuleSet.version, 'active', 'config']]);
    const one = await api('GET', `/v1/admin/rule-sets/${defaultRuleSet.version}`);
    expect([one.status, one.body['body']]).toEqual([200, JSON.parse(JSON.stringify(defaultRuleSet))]);
    expect(await audited()).toEqual([
      ['config', 'rule-set.create', `rule-set:${defaultRuleSet.version}`],
      ['config', 'rule-set.activate', `rule-set:${defaultRuleSet.version}`],
    ]);
  });

  it('refuses bad bodies with 400 naming every bad field, a duplicate version with 409, and stores and audits nothing', async () => {
    const storedBefore = await stored();
    const auditedBefore = await audited();
    const refusals: [unknown, string[]][] = [
      [{ version: 'rs-bad', rules: [{ ...droppedRule, severity: 'urgent', params: { dropPoints: -1, withinDays: 14 } }] }, ['rules.0.severity', 'rules.0.params.dropPoints']],
      [{ rules: defaultRuleSet.rules }, ['version']],
      [{ version: 'rs-bad', rules: defaultRuleSet.rules, colour: 'red' }, ['colour']],
      [{ version: 'rs/bad', rules: defaultRuleSet.rules }, ['version']],
      [{ version: 'rs-bad', rules: [{ ...droppedRule, id: 'no_such_rule' }] }, ['rules.0.id']],
      [{ version: 'rs-bad', rules: [{ ...droppedRule, params: { dropPoints: 20 } }] }, ['rules.0.params.withinDays']],
      [{ version: 'rs-bad', rules: [] }, ['rules']],
    ];
    for (const [body, paths] of refusals) {
      const created = await api('POST', '/v1/admin/rule-sets', body);
      expect({ body, status: created.status, paths: errorPaths(created) }).toEqual({ body, status: 400, paths });
      const validated = await api('POST', '/v1/admin/rule-sets/validate', body);
      expect({ body, status: validated.status, paths: errorPaths(validated) }).toEqual({ body, status: 400, paths });
    }
    const duplicate = await api('POST', '/v1/admin/rule-sets', defaultRuleSet);
    expect([duplicate.status, errorPaths(duplicate)]).toEqual([409, ['version']]);
    expect((await api('POST', '/v1/admin/rule-sets/no-such-version/activate')).status).toBe(404);
    expect((await api('POST', `/v1/admin/rule-sets/${defaultRuleSet.version}/activate`)).status).toBe(409);
    expect((await api('POST', '/v1/admin/rule-sets/rollback')).status).toBe(409);
    expect((await api('GET', '/v1/admin/rule-sets/no-such-version')).status).toBe(404);
    expect(await stored()).toEqual(storedBefore);
    expect(await audited()).toEqual(auditedBefore);
    expect(activationRecords()).toEqual([]);
  });

  it('activates a draft after every change already evaluated: each change is evaluated with the rule set in force at its event time; a rollback restores the default', async () => {
    const validated = await api('POST', '/v1/admin/rule-sets/validate', stricter);
    expect([validated.status, validated.body['valid']]).toEqual([200, true]);
    const created = await api('POST', '/v1/admin/rule-sets', stricter);
    expect([created.status, created.body['status'], created.body['createdBy']]).toEqual([201, 'draft', adminKey.id]);
    expect((await api('POST', '/v1/admin/rule-sets', stricter)).status).toBe(409);

    // Later than every watermark of the tests above.
    await publishWatermark('2026-09-01T00:00:00.000Z');
    await waitFor(async () => (await readiness('pipeline-clock')) === 'watermark 2026-09-01T00:00:00.000Z', { description: 'alerting to read the watermark' });
    // The newest score change time evaluated so far (the tests above), per partition.
    const newestEvaluated = ((await db.query('SELECT max(watermark) AS newest FROM alerting.change_watermarks')).rows[0] as { newest: Date }).newest.getTime();
    expect(newestEvaluated).toBeGreaterThan(Date.parse('2026-09-01T00:00:00.000Z'));
    const activated = await api('POST', '/v1/admin/rule-sets/rs-int-2/activate');
    // 1 ms after every change already evaluated (the pipeline watermark alone, a minimum, lies before them).
    const effectiveFrom = new Date(newestEvaluated + 1).toISOString();
    expect([activated.status, activated.body['status'], activated.body['effectiveFrom']]).toEqual([200, 'active', effectiveFrom]);
    const published = await waitFor(() => activationRecords()[0], { description: 'the activation record' });
    expect(published).toMatchObject({ kind: 'rule-set', version: 'rs-int-2', body: stricter, effectiveFrom, activatedBy: adminKey.id });
    expect(tail.records.find((record) => record.topic === Topics.configActivations)?.key).toBe('rule-set');
    await waitFor(async () => (await readiness('rule-sets')) === 'in force: rs-int-2', { description: 'alerting to read the activation' });

    // The same 42-point fall just before the effectiveFrom and at it.
    const base = `rule-sets-${randomUUID()}`;
    const before = redChange(`${base}-before`, new Date(Date.parse(effectiveFrom) - 3_600_000).toISOString());
    const at = redChange(`${base}-at`, effectiveFrom);
    await producer.send(Topics.scores, [before, at].map((value) => ({ key: value.accountId, value })));
    await waitFor(async () => (await processed([before.changeId, at.changeId])).length === 2, { description: 'both changes applied' });
    expect(await alertVersions(before.accountId)).toEqual([
      ['health_dropped', defaultRuleSet.version],
      ['health_entered_red', defaultRuleSet.version],
    ]);
    expect(await alertVersions(at.accountId)).toEqual([['health_entered_red', 'rs-int-2']]);

    const rolledBack = await api('POST', '/v1/admin/rule-sets/rollback');
    expect([rolledBack.status, rolledBack.body['version'], rolledBack.body['status']]).toEqual([200, defaultRuleSet.version, 'active']);
    await waitFor(async () => (await readiness('rule-sets')) === `in force: ${defaultRuleSet.version}`, { description: 'alerting to read the rollback' });
    // The rollback applies after the changes just evaluated.
    expect(Date.parse(rolledBack.body['effectiveFrom'] as string)).toBeGreaterThan(Date.parse(effectiveFrom));
    const after = redChange(`${base}-after`, rolledBack.body['effectiveFrom'] as string);
    await producer.send(Topics.scores, [{ key: after.accountId, value: after }]);
    await waitFor(async () => (await processed([after.changeId])).length === 1, { description: 'the change after the rollback applied' });
    expect(await alertVersions(after.accountId)).toEqual([
      ['health_dropped', defaultRuleSet.version],
      ['health_entered_red', defaultRuleSet.version],
    ]);

    expect(await stored()).toEqual([
      [defaultRuleSet.version, 'active', 'config'],
      ['rs-int-2', 'retired', adminKey.id],
    ]);
    expect((await audited()).slice(2)).toEqual([
      [adminKey.id, 'rule-set.create', 'rule-set:rs-int-2'],
      [adminKey.id, 'rule-set.activate', 'rule-set:rs-int-2'],
      [adminKey.id, 'rule-set.rollback', `rule-set:${defaultRuleSet.version}`],
    ]);
    const read = await api('GET', '/v1/admin/audit?subject=rule-set:rs-int-2');
    expect((read.body['entries'] as { action: string }[]).map((entry) => entry.action)).toEqual(['rule-set.activate', 'rule-set.create']);
    // The versions are immutable in the schema.
    await expect(db.query(`UPDATE alerting.config_versions SET body = '{}' WHERE kind = 'rule-set' AND version = 'rs-int-2'`)).rejects.toThrow(/immutable/);
  });
});

describe('RULES_FILE: a versioned rule set instead of the built-in one', () => {
  const rulesFiles = configFileFolder('bw-rules-');
  // The default set with health_dropped's threshold raised from 15 to 50 points.
  const stricter = {
    version: 'acme-strict-1',
    rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { ...rule.params, dropPoints: 50 } } : rule)),
  };
  const rulesFile = rulesFiles.write('stricter.json', stricter);
  // Its own namespace (topics and consumer group): the default alerting above keeps its own.
  const strictNamespace = `it-alerting-rules-${randomUUID().slice(0, 8)}.`;
  const strictKafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'alerting-rules-int', namespace: strictNamespace });
  const strictProducer = new MessageProducer(strictKafka);
  const strict = new ServiceProcess('alerting', 4341 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), { ...alertingEnv, KAFKA_NAMESPACE: strictNamespace, RULES_FILE: rulesFile });

  const alertsOf = async (accountId: string): Promise<{ rule_id: string; rule_set_version: string | null }[]> =>
    (await db.query('SELECT rule_id, rule_set_version FROM alerting.alerts WHERE account_id = $1 ORDER BY rule_id', [accountId])).rows as { rule_id: string; rule_set_version: string | null }[];
  // Published outbox rows are deleted (OUTBOX_RETENTION_HOURS 0): the events are read on each namespace's alerts topic.
  let strictTail: TopicTail | undefined;
  const eventVersions = async (records: () => readonly { topic: string; value: unknown }[], accountId: string, count: number): Promise<{ rule: string; version: string | undefined }[]> =>
    waitFor(
      () => {
        const events = records()
          .filter((record) => record.topic === Topics.alerts)
          .map((record) => record.value as AlertLifecycleEvent)
          .filter((event) => event.accountId === accountId);
        return events.length >= count ? events.map((event) => ({ rule: event.rule, version: event.ruleSetVersion })).sort((a, b) => a.rule.localeCompare(b.rule)) : undefined;
      },
      { description: `${count} alert event(s) of ${accountId}` },
    );

  beforeAll(async () => {
    await strictProducer.connect();
    await strict.start();
    strictTail = new TopicTail(strictKafka, [Topics.alerts]);
    await strictTail.start();
  });

  afterAll(async () => {
    await strictTail?.stop();
    await strict.stop();
    await strictProducer.disconnect();
    await strictKafka.deleteNamespaceTopics();
  });

  it('changes which alerts open: a 42-point fall opens health_dropped under the default and not under a threshold of 50', async () => {
    const base = `rules-${randomUUID()}`;
    const underDefault = redChange(`${base}-default`, '2026-11-02T08:00:00.000Z');
    const underFile = redChange(`${base}-file`, '2026-11-02T08:00:00.000Z');
    expect([underDefault.before?.health, underDefault.after.health]).toEqual([72, 30]);
    await producer.send(Topics.scores, [{ key: underDefault.accountId, value: underDefault }]);
    await strictProducer.send(Topics.scores, [{ key: underFile.accountId, value: underFile }]);
    await waitFor(async () => (await processed([underDefault.changeId, underFile.changeId])).length === 2, { description: 'the change applied under each rule set' });

    expect(await alertsOf(underDefault.accountId)).toEqual([
      { rule_id: 'health_dropped', rule_set_version: defaultRuleSet.version },
      { rule_id: 'health_entered_red', rule_set_version: defaultRuleSet.version },
    ]);
    expect(await alertsOf(underFile.accountId)).toEqual([{ rule_id: 'health_entered_red', rule_set_version: 'acme-strict-1' }]);
    // The alert events carry the version that opened them.
    expect(await eventVersions(() => tail.records, underDefault.accountId, 2)).toEqual([
      { rule: 'health_dropped', version: defaultRuleSet.version },
      { rule: 'health_entered_red', version: defaultRuleSet.version },
    ]);
    expect(await eventVersions(() => strictTail?.records ?? [], underFile.accountId, 1)).toEqual([{ rule: 'health_entered_red', version: 'acme-strict-1' }]);
  });

  it('stops the start (exit 78) naming the file and the field when the rule set is bad', async () => {
    const badFile = rulesFiles.write('bad.json', { ...stricter, rules: stricter.rules.map((rule) => (rule.id === 'churn_risk_high' ? { ...rule, severity: 'urgent' } : rule)) });
    // A log of its own, so an earlier run's lines cannot satisfy the check.
    const broken = new ServiceProcess('alerting', 4342 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), { ...alertingEnv, KAFKA_NAMESPACE: strictNamespace, RULES_FILE: badFile }, { logDir: mkdtempSync(join(tmpdir(), 'bw-rules-log-')) });
    await expect(broken.start(20_000)).rejects.toThrow(/exited with 78/);
    expect(readFileSync(broken.logPath, 'utf8')).toContain(`RULES_FILE ${badFile}: rules.2.severity: must be one of critical, high, medium, low (rule churn_risk_high)`);

    const missing = join(rulesFiles.dir, 'missing.json');
    const absent = new ServiceProcess('alerting', 4342 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), { ...alertingEnv, KAFKA_NAMESPACE: strictNamespace, RULES_FILE: missing }, { logDir: mkdtempSync(join(tmpdir(), 'bw-rules-log-')) });
    await expect(absent.start(20_000)).rejects.toThrow(/exited with 78/);
    expect(readFileSync(absent.logPath, 'utf8')).toContain(`RULES_FILE: cannot read ${missing} as JSON (ENOENT`);
  });
});
