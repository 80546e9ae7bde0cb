import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Topics, type AlertLifecycleEvent, type PlaybookRunEvent } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { resetTestDatabase, ServiceProcess, testEnvironment, waitFor } from '@bellwether/testing';

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
      { kind: 'wait', id: 'pause', hours: 0.0015 },
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

const env = {
  KAFKA_BROKERS: testEnvironment.kafkaBrokers,
  DATABASE_URL: testEnvironment.databaseUrl,
  REDIS_URL: testEnvironment.redisUrl,
  CLOCK_MODE: 'event',
  KAFKA_NAMESPACE: namespace,
  PLAYBOOKS_DIR: playbooksDir,
  WAKE_POLL_INTERVAL_MS: '200',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  DELIVERY_MAX_ATTEMPTS: '2',
  DELIVERY_BACKOFF_INITIAL_MS: '100',
};
const playbook = new ServiceProcess('playbook', 4330, env);
let tail: TopicTail;

function opened(rule: string, accountId: string): AlertLifecycleEvent {
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
    occurredAt: new Date().toISOString(),
  };
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
  tail = new TopicTail(kafka, [Topics.playbookRuns]);
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
  it('keeps a run’s timer through a kill -9 in the middle of a wait, and does each step once', async () => {
    const accountId = `wait-${randomUUID()}`;
    await producer.send(Topics.alerts, [{ key: accountId, value: opened('test_wait', accountId) }]);
    await waitFor(async () => (await runOf(accountId))?.status === 'waiting', { description: 'the run to wait' });
    expect(await tasksOf(accountId)).toEqual(['before']);

    await playbook.stop('SIGKILL');
    await playbook.start();
    await waitFor(async () => (await runOf(accountId))?.status === 'completed', { description: 'the run to resume after its wait and complete', timeoutMs: 60_000 });
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

  it('refuses to start with a playbook file that is invalid, naming the file and the field', async () => {
    const badDir = mkdtempSync(join(tmpdir(), 'bw-bad-playbooks-'));
    writeFileSync(
      join(badDir, 'broken.json'),
      JSON.stringify({ id: 'broken', version: 1, name: 'x', trigger: { kind: 'alert_rule', ruleIds: ['x'] }, steps: [{ kind: 'task', id: 'a', role: 'csm', title: 't', dueInHours: -1 }], exitCriteria: [] }),
    );
    const broken = new ServiceProcess('playbook', 4331, { ...env, PLAYBOOKS_DIR: badDir });
    await expect(broken.start(20_000)).rejects.toThrow(/exited with 78/);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(broken.logPath, 'utf8')).toMatch(/broken\.json: steps\.0\.dueInHours/);
  });
});
