import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  deadLetterTopicOf,
  Topics,
  type AlertLifecycleEvent,
  type AlertSeverity,
  type ApiKeyRecord,
  type IncidentLifecycleEvent,
  type PipelineWatermark,
  type PlaybookRunEvent,
  type ScoreChanged,
  type TelemetryEvent,
} from '@bellwether/contracts';
import { generateKey } from '@bellwether/auth';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { resetTestDatabase, ServiceProcess, testEnvironment, waitFor } from '@bellwether/testing';
import { PLAYBOOK_CONSUMER_GROUP, PLAYBOOK_EVENTS_CONSUMER_GROUP } from './playbook.module';

/** Playbook as a real process, with playbooks from a folder, triggered by alerts put on the topic. */
const namespace = `it-playbook-${randomUUID().slice(0, 8)}.`;
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'playbook-int', namespace });
const producer = new MessageProducer(kafka);
const db = new Client({ connectionString: testEnvironment.databaseUrl });
const failingPort = 4390;
const failing: Server = createServer((_request, response) => response.writeHead(500).end());

const playbooksDir = mkdtempSync(join(tmpdir(), 'bw-playbooks-'));
writeFileSync(
  join(playbooksDir, 'wait.json'),
  JSON.stringify({
    id: 'wait-and-continue',
    version: 1,
    name: 'Wait and continue',
    trigger: { kind: 'alert_rule', ruleIds: ['test_wait'] },
    steps: [
      { kind: 'task', id: 'before', role: 'csm', title: 'Before the wait', dueInHours: 1 },
      { kind: 'wait', id: 'pause', hours: 14 * 24 },
      { kind: 'task', id: 'after', role: 'csm', title: 'After the wait', dueInHours: 1 },
      { kind: 'end', id: 'done' },
    ],
    exitCriteria: ['churned'],
  }),
);
writeFileSync(
  join(playbooksDir, 'webhook.json'),
  JSON.stringify({
    id: 'failing-webhook',
    version: 1,
    name: 'Failing webhook',
    trigger: { kind: 'alert_rule', ruleIds: ['test_webhook'] },
    steps: [
      { kind: 'webhook', id: 'notify', url: `http://127.0.0.1:${failingPort}/hook` },
      { kind: 'end', id: 'done' },
    ],
    exitCriteria: ['churned'],
  }),
);
writeFileSync(
  join(playbooksDir, 'incident.json'),
  JSON.stringify({
    id: 'serious-risk-incident',
    version: 1,
    name: 'Serious risk incident',
    // Deliberately without a churned exit: a churned account ends every run all the same.
    trigger: { kind: 'incident', category: 'risk', minSeverity: 'high' },
    steps: [
      { kind: 'task', id: 'call', role: 'csm', title: 'Call about the incident', dueInHours: 24 },
      { kind: 'wait', id: 'pause', hours: 14 * 24 },
      { kind: 'end', id: 'done' },
    ],
    exitCriteria: [],
  }),
);

const env = {
  KAFKA_BROKERS: testEnvironment.kafkaBrokers,
  DATABASE_URL: testEnvironment.databaseUrl,
  REDIS_URL: testEnvironment.redisUrl,
  CLOCK_MODE: 'event',
  KAFKA_NAMESPACE: namespace,
  PLAYBOOKS_DIR: playbooksDir,
  WAKE_POLL_INTERVAL_MS: '200',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  // The admin API's production limit (5/s, burst 30) would make these tests' answers depend on the
  // machine's speed (429 instead of 400); the admin limit has its own test (e2e/rate-limits.e2e-spec.ts).
  ADMIN_RATE_LIMIT_PER_SECOND: '1000',
  ADMIN_RATE_LIMIT_BURST: '10000',
  DELIVERY_MAX_ATTEMPTS: '2',
  DELIVERY_BACKOFF_INITIAL_MS: '100',
};
const playbook = new ServiceProcess('playbook', 4330 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), env);
let tail: TopicTail;

function opened(rule: string, accountId: string, occurredAt = new Date().toISOString()): AlertLifecycleEvent {
  const alertId = `al_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  return {
    schemaVersion: 1,
    eventId: `${alertId}:1`,
    kind: 'opened',
    alertId,
    revision: 1,
    accountId,
    rule,
    category: 'risk',
    severity: 'high',
    priority: 8,
    queue: 'csm:csm-it',
    status: 'open',
    evidence: ['test'],
    occurredAt,
  };
}

function incidentEvent(accountId: string, incidentId: string, revision: number, kind: IncidentLifecycleEvent['kind'], severity: AlertSeverity): IncidentLifecycleEvent {
  return {
    schemaVersion: 1,
    eventId: `${incidentId}:${revision}`,
    kind,
    incidentId,
    revision,
    accountId,
    category: 'risk',
    severity,
    priority: 8,
    queue: 'csm:csm-it',
    status: 'open',
    openedAt: '2026-07-01T10:00:00.000Z',
    ruleIds: ['activity_dropped'],
    rules: [{ rule: 'activity_dropped', alertId: `al_${incidentId.slice(3)}`, severity, status: 'open', evidence: ['activity −60%'] }],
    occurredAt: '2026-07-01T10:00:00.000Z',
  };
}

function scoreChange(accountId: string, sequence: number, churnedAt?: string): ScoreChanged {
  const snapshot = { health: 35, band: 'red', churnRisk: 0.7, segment: 'at_risk', stage: 'adoption' } as const;
  return {
    schemaVersion: 1,
    accountId,
    changeId: `${accountId}:${sequence}`,
    sequence,
    eventTime: `2026-07-0${sequence + 1}T10:00:00.000Z`,
    cause: { kind: 'event', eventId: `evt-${randomUUID()}`, eventType: 'account.churned' },
    before: snapshot,
    after: snapshot,
    drivers: [],
    reasons: [],
    scorecardVersion: 'default-2026.1',
    account: { csmId: 'csm-it', ...(churnedAt ? { churnedAt } : {}) },
  };
}

/** Resolves once the consumer processed (claimed) the message, e.g. `incident:<eventId>` or `score:<changeId>`. */
const processedMessage = (messageId: string): Promise<boolean> =>
  waitFor(async () => (await db.query('SELECT 1 FROM playbook.processed_messages WHERE message_id = $1', [messageId])).rows.length === 1 || undefined, {
    description: `message ${messageId} processed`,
  });
const incidentId = () => `in_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
const runsOf = async (accountId: string) =>
  (await db.query('SELECT id, playbook_id, status, outcome FROM playbook.runs WHERE account_id = $1 ORDER BY created_at', [accountId])).rows as {
    id: string;
    playbook_id: string;
    status: string;
    outcome: string | null;
  }[];

/** Publishes scoring's pipeline watermark as scoring does: key `pipeline` on the (namespaced) watermarks topic. */
async function publishWatermark(watermark: string): Promise<void> {
  const value: PipelineWatermark = { schemaVersion: 1, watermark, closedThrough: null };
  await producer.send(Topics.watermarks, [{ key: 'pipeline', value }]);
}

/** Resolves once the wake scheduler finished a pass at pipeline time `at` (its readiness detail). */
async function schedulerPassedAt(at: string): Promise<void> {
  await waitFor(
    async () => {
      const response = await fetch(`${playbook.baseUrl}/readyz`).catch(() => undefined);
      const body = response ? ((await response.json()) as { checks: Record<string, { detail?: string }> }) : undefined;
      return body?.checks['wake-scheduler']?.detail === `last pass at pipeline time ${at}`;
    },
    { description: `a wake-scheduler pass at pipeline time ${at}` },
  );
}

const runOf = async (accountId: string) =>
  (await db.query('SELECT id, status, last_error FROM playbook.runs WHERE account_id = $1', [accountId])).rows[0] as { id: string; status: string; last_error: string | null } | undefined;
const tasksOf = async (accountId: string) => (await db.query('SELECT step_id FROM playbook.tasks WHERE account_id = $1 ORDER BY created_at', [accountId])).rows.map((row: { step_id: string }) => row.step_id);

beforeAll(async () => {
  await resetTestDatabase();
  await db.connect();
  await producer.connect();
  await new Promise<void>((resolve) => failing.listen(failingPort, '127.0.0.1', resolve));
  await playbook.start();
  tail = new TopicTail(kafka, [Topics.playbookRuns, deadLetterTopicOf(Topics.alerts), deadLetterTopicOf(Topics.events)]);
  await tail.start();
});

afterAll(async () => {
  await tail?.stop();
  await playbook.stop();
  await producer.disconnect();
  await new Promise((resolve) => failing.close(resolve));
  await db.end();
  await kafka.deleteNamespaceTopics();
});

describe('the playbook executor on the real stack', () => {
  it('waits 14 days of pipeline time, not of wall time, keeps the timer through a kill -9, and does each step once', async () => {
    const accountId = `wait-${randomUUID()}`;
    // Triggered at event time 2026-05-01T10:00Z: the 14-day wait ends at 2026-05-15T10:00Z on the
    // pipeline clock, though the wall clock passed that long ago.
    await producer.send(Topics.alerts, [{ key: accountId, value: opened('test_wait', accountId, '2026-05-01T10:00:00.000Z') }]);
    await waitFor(async () => (await runOf(accountId))?.status === 'waiting', { description: 'the run to wait' });
    expect(await tasksOf(accountId)).toEqual(['before']);

    await publishWatermark('2026-05-15T09:59:59.000Z');
    await schedulerPassedAt('2026-05-15T09:59:59.000Z');
    expect((await runOf(accountId))?.status).toBe('waiting');

    await playbook.stop('SIGKILL');
    await playbook.start();
    // The restarted clock reads the watermark back from the topic: still a second short.
    await schedulerPassedAt('2026-05-15T09:59:59.000Z');
    expect((await runOf(accountId))?.status).toBe('waiting');
    expect(await tasksOf(accountId)).toEqual(['before']);

    await publishWatermark('2026-05-15T10:00:00.000Z');
    await waitFor(async () => (await runOf(accountId))?.status === 'completed', { description: 'the run to resume once the watermark reached its wake time, and complete' });
    expect(await tasksOf(accountId)).toEqual(['before', 'after']);
  });

  it('retries a failing webhook step with backoff, then parks the run with the error', async () => {
    const accountId = `hook-${randomUUID()}`;
    await producer.send(Topics.alerts, [{ key: accountId, value: opened('test_webhook', accountId) }]);
    const run = await waitFor(async () => {
      const current = await runOf(accountId);
      return current?.status === 'parked' ? current : undefined;
    }, { description: 'the run to be parked', timeoutMs: 30_000 });
    expect(run.last_error).toMatch(/webhook step notify failed 2 times: answered 500/);
    const [delivery] = (await db.query('SELECT status, attempts FROM playbook.deliveries WHERE run_id = $1', [run.id])).rows;
    expect(delivery).toEqual({ status: 'failed', attempts: 2 });
    const parked = await waitFor(() => tail.records.find((record) => (record.value as PlaybookRunEvent).runId === run.id && (record.value as PlaybookRunEvent).kind === 'run.parked'), {
      description: 'the run.parked event',
    });
    expect((parked.value as PlaybookRunEvent).error).toMatch(/answered 500/);
  });

  it('dead-letters once an alert or event it cannot store, and applies the ones after it on the same partition', async () => {
    const key = `poison-${randomUUID()}`;
    const telemetry = (accountId: string): TelemetryEvent => ({
      schemaVersion: 1, id: `evt_${randomUUID()}`, type: 'nps.responded', accountId, userId: 'u1', timestamp: '2025-03-01T10:00:00.000Z',
      receivedAt: '2025-03-01T10:00:00.000Z', source: 'native', properties: { score: 9 },
    });
    const rawRecord = (value: unknown) => ({ key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), headers: {} });
    // U+0000 is valid JSON and a valid identifier in the contract, but PostgreSQL text cannot hold it.
    const alerts = [opened('kpi_only', `${key}-a`), opened('kpi_only', `${key}-\u0000`), opened('kpi_only', `${key}-b`)];
    const events = [telemetry(`${key}-a`), telemetry(`${key}-\u0000`), telemetry(`${key}-b`)];
    await producer.sendRaw(Topics.alerts, alerts.map(rawRecord));
    await producer.sendRaw(Topics.events, events.map(rawRecord));

    const kpiAlerts = async () => (await db.query('SELECT alert_id FROM playbook.kpi_alerts WHERE account_id LIKE $1', [`${key}%`])).rows.map((r: { alert_id: string }) => r.alert_id).sort();
    const kpiAccounts = async () => (await db.query('SELECT account_id FROM playbook.kpi_accounts WHERE account_id LIKE $1', [`${key}%`])).rows.map((r: { account_id: string }) => r.account_id).sort();
    await waitFor(async () => (await kpiAlerts()).length === 2 && (await kpiAccounts()).length === 2, { description: 'the alerts and events around the poison applied' });
    expect(await kpiAlerts()).toEqual([alerts[0]?.alertId, alerts[2]?.alertId].sort());
    expect(await kpiAccounts()).toEqual([`${key}-a`, `${key}-b`]);
    // Each topic's letters name its own consumer group: the events topic has its own since it was split off.
    const groupOf = (topic: string) => (topic === Topics.events ? PLAYBOOK_EVENTS_CONSUMER_GROUP : PLAYBOOK_CONSUMER_GROUP);
    const letters = (topic: string) => tail.records.filter((record) => record.topic === deadLetterTopicOf(topic) && record.headers['dlq_consumer_group'] === groupOf(topic) && record.key === key);
    const alertLetter = await waitFor(() => letters(Topics.alerts)[0], { description: 'the alert in the DLQ' });
    const eventLetter = await waitFor(() => letters(Topics.events)[0], { description: 'the event in the DLQ' });
    expect((alertLetter.value as AlertLifecycleEvent).alertId).toBe(alerts[1]?.alertId);
    expect((eventLetter.value as TelemetryEvent).id).toBe(events[1]?.id);
    // The projections send the batch as one jsonb document: Postgres names U+0000 there an unsupported Unicode escape.
    for (const letter of [alertLetter, eventLetter]) expect(letter.headers).toMatchObject({ dlq_step: 'handler', dlq_reason: expect.stringMatching(/0x00|unsupported Unicode escape/) });

    // Later records of the same partitions are applied after the poison's batches were committed: one dead letter each.
    const later = { alert: opened('kpi_only', `${key}-c`), event: telemetry(`${key}-c`) };
    await producer.sendRaw(Topics.alerts, [rawRecord(later.alert)]);
    await producer.sendRaw(Topics.events, [rawRecord(later.event)]);
    await waitFor(async () => (await kpiAlerts()).includes(later.alert.alertId) && (await kpiAccounts()).includes(`${key}-c`), { description: 'the later alert and event' });
    expect(letters(Topics.alerts)).toHaveLength(1);
    expect(letters(Topics.events)).toHaveLength(1);
  });

  it('refuses to start with a playbook file that is invalid, naming the file and the field', async () => {
    const badDir = mkdtempSync(join(tmpdir(), 'bw-bad-playbooks-'));
    writeFileSync(
      join(badDir, 'broken.json'),
      JSON.stringify({ id: 'broken', version: 1, name: 'x', trigger: { kind: 'alert_rule', ruleIds: ['x'] }, steps: [{ kind: 'task', id: 'a', role: 'csm', title: 't', dueInHours: -1 }], exitCriteria: [] }),
    );
    const broken = new ServiceProcess('playbook', 4331 + Number(process.env['E2E_PORT_OFFSET'] ?? 0), { ...env, PLAYBOOKS_DIR: badDir });
    await expect(broken.start(20_000)).rejects.toThrow(/exited with 78/);
    expect(readFileSync(broken.logPath, 'utf8')).toMatch(/broken\.json: steps\.0\.dueInHours/);
  });

  it('starts an incident-triggered playbook once per incident, when the incident reaches its minSeverity', async () => {
    const accountId = `incident-${randomUUID()}`;
    const id = incidentId();
    const medium = incidentEvent(accountId, id, 1, 'opened', 'medium');
    await producer.send(Topics.incidents, [{ key: accountId, value: medium }]);
    await processedMessage(`incident:${medium.eventId}`);
    expect(await runsOf(accountId)).toEqual([]);

    const high = incidentEvent(accountId, id, 2, 'updated', 'high');
    const critical = incidentEvent(accountId, id, 3, 'updated', 'critical');
    await producer.send(Topics.incidents, [{ key: accountId, value: high }]);
    await producer.send(Topics.incidents, [{ key: accountId, value: critical }]);
    await processedMessage(`incident:${critical.eventId}`);
    expect(await runsOf(accountId)).toEqual([expect.objectContaining({ playbook_id: 'serious-risk-incident', status: 'waiting' })]);
  });

  it('ends live runs as churned when a score change carries churnedAt, starts none while churned, and starts again once reactivated', async () => {
    const accountId = `churn-${randomUUID()}`;
    await producer.send(Topics.scores, [{ key: accountId, value: scoreChange(accountId, 1) }]);
    await producer.send(Topics.incidents, [{ key: accountId, value: incidentEvent(accountId, incidentId(), 1, 'opened', 'high') }]);
    await waitFor(async () => (await runsOf(accountId))[0]?.status === 'waiting', { description: 'the run to wait' });

    await producer.send(Topics.scores, [{ key: accountId, value: scoreChange(accountId, 2, '2026-07-03T10:00:00.000Z') }]);
    await waitFor(async () => (await runsOf(accountId))[0]?.status === 'exited', { description: 'the run to exit on churn' });
    expect((await runsOf(accountId))[0]).toMatchObject({ outcome: 'churned' });

    // While churned, a new incident starts nothing; once a change lacks churnedAt, the next one does.
    const whileChurned = incidentEvent(accountId, incidentId(), 1, 'opened', 'critical');
    await producer.send(Topics.incidents, [{ key: accountId, value: whileChurned }]);
    await processedMessage(`incident:${whileChurned.eventId}`);
    expect(await runsOf(accountId)).toHaveLength(1);
    const reactivated = scoreChange(accountId, 3);
    await producer.send(Topics.scores, [{ key: accountId, value: reactivated }]);
    await processedMessage(`score:${reactivated.changeId}`);
    await producer.send(Topics.incidents, [{ key: accountId, value: incidentEvent(accountId, incidentId(), 1, 'opened', 'critical') }]);
    await waitFor(async () => (await runsOf(accountId)).length === 2, { description: 'a run after reactivation' });
    expect((await runsOf(accountId)).map((run) => run.status)).toEqual(['exited', 'waiting']);
  });
});

/**
 * Issue 18 §1 in the real process on the real broker and Postgres: the PLAYBOOKS_DIR set is the
 * first active version; the admin API refuses bad bodies naming every field (nothing stored or
 * audited), a duplicate version and a redefined playbook version with 409; an activation read back
 * from bellwether.config-activations.v1 starts the next trigger with the new set (a trigger before
 * its effectiveFrom still with the old one), each run records its set; a rollback restores it.
 */
describe('playbook sets as versioned data, changed at run time', () => {
  const key = generateKey();
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${playbook.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key.plaintext}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const stored = async () => (await db.query("SELECT version, status FROM playbook.config_versions WHERE kind = 'playbooks' ORDER BY version")).rows as { version: string; status: string }[];
  const auditRows = async () => ((await db.query('SELECT count(*)::int AS n FROM playbook.admin_audit')).rows[0] as { n: number }).n;
  const filePlaybooks = ['incident.json', 'wait.json', 'webhook.json'].map((file) => JSON.parse(readFileSync(join(playbooksDir, file), 'utf8')) as { id: string; version: number; steps: { id: string; title?: string }[] });
  const retitled = (version: number, title: string) =>
    filePlaybooks.map((definition) => (definition.id === 'wait-and-continue' ? { ...definition, version, steps: definition.steps.map((step) => (step.id === 'before' ? { ...step, title } : step)) } : definition));
  /** Sends an opened `test_wait` alert at `occurredAt`; resolves with the run's recorded set and its first task's title. */
  const startWaitRun = async (occurredAt: string) => {
    const accountId = `sets-${randomUUID()}`;
    await producer.send(Topics.alerts, [{ key: accountId, value: opened('test_wait', accountId, occurredAt) }]);
    return waitFor(
      async () => {
        const row = (await db.query('SELECT r.playbooks_version, t.title FROM playbook.runs r JOIN playbook.tasks t ON t.run_id = r.id WHERE r.account_id = $1', [accountId])).rows[0] as { playbooks_version: string; title: string } | undefined;
        return row && { accountId, set: row.playbooks_version, title: row.title };
      },
      { description: `the run of ${accountId}` },
    );
  };

  beforeAll(async () => {
    const record: ApiKeyRecord = { schemaVersion: 1, id: key.id, secretSha256: key.secretSha256, scopes: ['admin'], csmId: null, team: null, revoked: false, updatedAt: new Date().toISOString() };
    await producer.send(Topics.apiKeys, [{ key: key.id, value: record }]);
    await waitFor(async () => (await api('GET', '/v1/admin/playbooks')).status === 200, { description: 'the admin key to reach playbook' });
  });

  it('stores the PLAYBOOKS_DIR set as the first active version', async () => {
    const list = await api('GET', '/v1/admin/playbooks');
    expect(list.body['active']).toMatch(/^file-[0-9a-f]{12}$/);
    expect(list.body['inForce']).toBe(list.body['active']);
    expect(await stored()).toEqual([{ version: list.body['active'], status: 'active' }]);
    const first = await startWaitRun(new Date().toISOString());
    expect([first.set, first.title]).toEqual([list.body['active'], 'Before the wait']);
  });

  it('refuses bad bodies with 400 naming every bad field, a duplicate or a redefined playbook version with 409, and stores and audits nothing', async () => {
    const [versionsBefore, auditBefore] = [await stored(), await auditRows()];
    const badStep = filePlaybooks.map((definition, i) => (i === 1 ? { ...definition, steps: [{ kind: 'task', id: 'before', role: 'csm', title: 'x', dueInHours: 0 }, { kind: 'wait', id: 'w' }] } : definition));
    const refusals: [unknown, number, string[]][] = [
      [{ version: 'bad-step', playbooks: badStep }, 400, ['playbooks.1.steps.0.dueInHours', 'playbooks.1.steps.1.hours']],
      [{ version: 'has a space', playbooks: [], colour: 'red' }, 400, ['colour', 'version', 'playbooks']],
      [{ playbooks: filePlaybooks }, 400, ['version']],
      [{ version: 'twice', playbooks: [...filePlaybooks, filePlaybooks[0]] }, 400, ['playbooks.3.id']],
      [{ version: 'bad-template', playbooks: [{ ...filePlaybooks[0], steps: [{ kind: 'email', id: 'm', template: 't', to: 'account_contact', subject: 'Hi', text: '{{account.helth}}' }, { kind: 'end', id: 'e' }] }] }, 400, ['playbooks.0.steps.0.text']],
      // wait-and-continue v1 is the file's: another title under the same playbook version is refused.
      [{ version: 'redefined', playbooks: retitled(1, 'Other title') }, 409, ['playbooks.1.version']],
      [{ version: (await api('GET', '/v1/admin/playbooks')).body['active'], playbooks: filePlaybooks }, 409, ['version']],
    ];
    for (const [body, status, paths] of refusals) {
      const created = await api('POST', '/v1/admin/playbooks', body);
      expect([created.status, (created.body['errors'] as { path: string }[]).map((error) => error.path)]).toEqual([status, paths]);
    }
    const validated = await api('POST', '/v1/admin/playbooks/validate', { version: 'bad-step', playbooks: badStep });
    expect([validated.status, (validated.body['errors'] as { path: string }[]).map((error) => error.path)]).toEqual([400, ['playbooks.1.steps.0.dueInHours', 'playbooks.1.steps.1.hours']]);
    expect((await api('POST', '/v1/admin/playbooks/no-such-version/activate')).status).toBe(404);
    expect((await api('POST', '/v1/admin/playbooks/rollback')).status).toBe(409);
    expect([await stored(), await auditRows()]).toEqual([versionsBefore, auditBefore]);
  });

  it('an activated set starts the next trigger with its playbooks and records its version; a trigger before effectiveFrom and a rollback keep or restore the old set', async () => {
    const fileVersion = (await api('GET', '/v1/admin/playbooks')).body['active'] as string;
    const draft = { version: 'it-sets-2', playbooks: retitled(2, 'Before the wait (v2)') };
    expect((await api('POST', '/v1/admin/playbooks/validate', draft)).status).toBe(200);
    const created = await api('POST', '/v1/admin/playbooks', draft);
    expect([created.status, created.body['status']]).toEqual([201, 'draft']);
    expect((await api('POST', '/v1/admin/playbooks', draft)).status).toBe(409);
    const lastBefore = new Date().toISOString();
    expect((await startWaitRun(lastBefore)).set).toBe(fileVersion);

    const activated = await api('POST', '/v1/admin/playbooks/it-sets-2/activate');
    expect([activated.status, activated.body['status']]).toEqual([200, 'active']);
    // Every trigger decided before the activation lies before its switch point, so a replay starts
    // it with the set that started it live (the pipeline clock alone may stand far behind it).
    expect(Date.parse(activated.body['effectiveFrom'] as string)).toBeGreaterThan(Date.parse(lastBefore));
    expect(await db.query('SELECT topic FROM playbook.trigger_watermarks WHERE watermark >= $1', [lastBefore])).toMatchObject({ rowCount: 1 });
    await waitFor(async () => (await api('GET', '/v1/admin/playbooks')).body['inForce'] === 'it-sets-2', { description: 'the activation read from bellwether.config-activations.v1' });
    const underNew = await startWaitRun(new Date().toISOString());
    expect([underNew.set, underNew.title]).toEqual(['it-sets-2', 'Before the wait (v2)']);
    const started = await waitFor(() => tail.records.find((record) => (record.value as PlaybookRunEvent).accountId === underNew.accountId && (record.value as PlaybookRunEvent).kind === 'run.started'), {
      description: 'the run.started event',
    });
    expect([(started.value as PlaybookRunEvent).playbooksVersion, (started.value as PlaybookRunEvent).playbookVersion]).toEqual(['it-sets-2', 2]);
    // A trigger whose event time is before the activation's effectiveFrom keeps the set in force then.
    const before = new Date(Date.parse(activated.body['effectiveFrom'] as string) - 1).toISOString();
    expect((await startWaitRun(before)).set).toBe(fileVersion);

    const rolledBack = await api('POST', '/v1/admin/playbooks/rollback');
    expect([rolledBack.status, rolledBack.body['version'], rolledBack.body['status']]).toEqual([200, fileVersion, 'active']);
    await waitFor(async () => (await api('GET', '/v1/admin/playbooks')).body['inForce'] === fileVersion, { description: 'the rollback read' });
    const afterRollback = await startWaitRun(new Date().toISOString());
    expect([afterRollback.set, afterRollback.title]).toEqual([fileVersion, 'Before the wait']);

    const audit = (await api('GET', '/v1/admin/audit?subject=playbooks:it-sets-2')).body['entries'] as { action: string; actorKeyId: string }[];
    expect(audit.map((entry) => [entry.action, entry.actorKeyId])).toEqual([
      ['playbooks.activate', key.id],
      ['playbooks.create', key.id],
    ]);
    const rollbackAudit = (await api('GET', `/v1/admin/audit?subject=playbooks:${fileVersion}&limit=1`)).body['entries'] as { action: string; before: { status: string }; after: { status: string } }[];
    expect(rollbackAudit.map((entry) => [entry.action, entry.before.status, entry.after.status])).toEqual([['playbooks.rollback', 'retired', 'active']]);
  });
});
