import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DirectoryState } from '@bellwether/auth';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { createLogger, createServiceDataSource, migrate, OutboxRelay, verifyWebhookSignature, WallClock } from '@bellwether/platform';
import { resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { PlaybookEnv } from '../playbook.env';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryWorker } from './delivery-worker';
import { PlaybookRunner } from './playbook-runner.service';
import { RunRepository } from './run.repository';
import { fixedPlaybooks } from '../playbooks/playbook-activations';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Playbook's delivery worker (the shared `WebhookDeliveryWorker` over the real repository and
 * migrations) against a real Postgres and a real HTTP receiver: signing with
 * PLAYBOOK_WEBHOOK_SECRET, skipped emails, and a run parked with its delivery in one transaction.
 */
describe('DeliveryWorker on real Postgres with a real receiver', () => {
  const secret = 'it-playbook-secret-0123456789';
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: PLAYBOOK_SCHEMA, entities: [], migrations: playbookMigrations, applicationName: 'it-delivery-worker', poolSize: 4 });
  const db = new Client({ connectionString: testEnvironment.databaseUrl });
  const logger = createLogger('it-delivery-worker', 'silent');
  // Never started: the worker only nudges it after parking a run.
  const relay = new OutboxRelay(dataSource, new MessageProducer(new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-delivery-worker' })), logger, new WallClock(), { schema: PLAYBOOK_SCHEMA });
  const received: Received[] = [];
  /** `received <delivery id>` and `answered <delivery id>` in the order they happened at the receiver. */
  const timeline: string[] = [];
  let server: Server;
  let baseUrl = '';
  let worker: DeliveryWorker | null = null;

  beforeAll(async () => {
    await resetTestDatabase();
    await dataSource.initialize();
    await migrate(dataSource, PLAYBOOK_SCHEMA);
    await db.connect();
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ path: request.url ?? '', headers: request.headers, body });
        const deliveryId = String(request.headers['bellwether-delivery-id']);
        timeline.push(`received ${deliveryId}`);
        const respond = () => {
          timeline.push(`answered ${deliveryId}`);
          if (!response.destroyed) response.writeHead(request.url === '/fail' ? 503 : 204).end();
        };
        // '/held' answers once another run's delivery has arrived (at most 4 s, under the 5 s timeout).
        if (request.url !== '/held') return respond();
        const giveUpAt = Date.now() + 4000;
        const check = () => (timeline.includes('received run_other:notify') || Date.now() >= giveUpAt ? respond() : void setTimeout(check, 10));
        check();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(async () => {
    received.length = 0;
    timeline.length = 0;
    await db.query('TRUNCATE playbook.deliveries, playbook.outbox, playbook.runs CASCADE');
  });

  afterEach(async () => {
    await worker?.onApplicationShutdown();
    worker = null;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await db.end();
    await dataSource.destroy();
  });

  function startWorker(overrides: Partial<PlaybookEnv> = {}): void {
    const env = Object.assign(new PlaybookEnv(), { DELIVERY_BACKOFF_INITIAL_MS: 50, DELIVERY_BACKOFF_MAX_MS: 100, ...overrides });
    worker = new DeliveryWorker(new DeliveryRepository(dataSource), new PlaybookRunner(fixedPlaybooks([]), new RunRepository()), new DirectoryState(), relay, env, new WallClock(), logger, fixedPlaybooks([]));
    worker.onApplicationBootstrap();
  }

  async function insertRun(runId: string): Promise<void> {
    const state = { runId, playbookId: 'pb', playbookVersion: 1, variantId: 'default', accountId: `acct-${runId}`, status: 'running', currentStepId: 'notify', history: [] };
    await db.query(
      `INSERT INTO playbook.runs (id, playbook_id, playbook_version, variant_id, account_id, queue, status, state, trigger) VALUES ($1, 'pb', 1, 'default', $2, 'csm:c1', 'running', $3, '{}')`,
      [runId, state.accountId, JSON.stringify(state)],
    );
  }

  async function insertDelivery(id: string, runId: string, kind: 'webhook' | 'email', target: string): Promise<void> {
    await db.query('INSERT INTO playbook.deliveries (id, run_id, kind, target, payload) VALUES ($1, $2, $3, $4, $5)', [id, runId, kind, target, JSON.stringify({ runId, stepId: 'notify' })]);
  }

  async function delivery(id: string): Promise<{ status: string; attempts: number; last_error: string | null } | undefined> {
    const { rows } = await db.query<{ status: string; attempts: number; last_error: string | null }>('SELECT status, attempts, last_error FROM playbook.deliveries WHERE id = $1', [id]);
    return rows[0];
  }

  it('signs webhook steps with PLAYBOOK_WEBHOOK_SECRET as alerting does, with the delivery id header and body', async () => {
    await insertRun('run_1');
    await insertDelivery('run_1:notify', 'run_1', 'webhook', `${baseUrl}/hook`);
    startWorker({ PLAYBOOK_WEBHOOK_SECRET: secret });

    await waitFor(async () => (await delivery('run_1:notify'))?.status === 'delivered', { timeoutMs: 5000, description: 'the signed delivery' });
    const [request] = received;
    expect(request?.path).toBe('/hook');
    expect(request?.headers['bellwether-delivery-id']).toBe('run_1:notify');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ deliveryId: 'run_1:notify', kind: 'webhook', runId: 'run_1', stepId: 'notify' });
    const signature = String(request?.headers['bellwether-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, request?.body ?? '', signature, Math.floor(Date.now() / 1000))).toBe(true);
  });

  it('sends unsigned without a secret, and marks emails skipped without an email adapter', async () => {
    await insertRun('run_2');
    await insertDelivery('run_2:notify', 'run_2', 'webhook', `${baseUrl}/hook`);
    await insertDelivery('run_2:mail', 'run_2', 'email', 'welcome');
    startWorker();

    await waitFor(async () => (await delivery('run_2:notify'))?.status === 'delivered' && (await delivery('run_2:mail'))?.status === 'skipped', {
      timeoutMs: 5000,
      description: 'the webhook delivered and the email skipped',
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['bellwether-signature']).toBeUndefined();
    expect(await delivery('run_2:mail')).toEqual({ status: 'skipped', attempts: 0, last_error: 'no email adapter configured (SMTP_URL or EMAIL_WEBHOOK_URL)' });
  });

  it("sends one run's deliveries one at a time, in the order its steps made them, while other runs' go on", async () => {
    await insertRun('run_4');
    await insertRun('run_other');
    await insertDelivery('run_4:first', 'run_4', 'webhook', `${baseUrl}/held`);
    await insertDelivery('run_4:second', 'run_4', 'webhook', `${baseUrl}/hook`);
    await insertDelivery('run_other:notify', 'run_other', 'webhook', `${baseUrl}/hook`);
    startWorker();

    await waitFor(async () => (await delivery('run_4:second'))?.status === 'delivered', { timeoutMs: 10_000, description: "the run's second delivery" });
    const at = (entry: string) => timeline.indexOf(entry);
    expect(at('received run_4:second')).toBeGreaterThan(at('answered run_4:first'));
    expect(at('received run_other:notify')).toBeGreaterThanOrEqual(0);
    expect(at('received run_other:notify')).toBeLessThan(at('answered run_4:first'));
  });

  it('parks the run with the error, and its run.parked event in the outbox, when the delivery fails DELIVERY_MAX_ATTEMPTS times', async () => {
    await insertRun('run_3');
    await insertDelivery('run_3:notify', 'run_3', 'webhook', `${baseUrl}/fail`);
    startWorker({ DELIVERY_MAX_ATTEMPTS: 2 });

    await waitFor(async () => (await delivery('run_3:notify'))?.status === 'failed', { timeoutMs: 5000, description: 'the delivery given up' });
    expect(await delivery('run_3:notify')).toEqual({ status: 'failed', attempts: 2, last_error: 'answered 503' });
    expect(received).toHaveLength(2);
    const { rows: runs } = await db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM playbook.runs WHERE id = $1', ['run_3']);
    expect(runs[0]).toEqual({ status: 'parked', last_error: 'webhook step notify failed 2 times: answered 503' });
    const { rows: events } = await db.query<{ payload: { kind: string; error: string } }>('SELECT payload FROM playbook.outbox');
    expect(events.map((row) => row.payload)).toEqual([expect.objectContaining({ kind: 'run.parked', runId: 'run_3', error: 'webhook step notify failed 2 times: answered 503' })]);
  });
});
