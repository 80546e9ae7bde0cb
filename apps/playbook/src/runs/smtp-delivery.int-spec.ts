import { Client } from 'pg';
import { register } from 'prom-client';
import { type CsmAddresses, DirectoryState } from '@bellwether/auth';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { createLogger, createServiceDataSource, deliveryMessageId, migrate, OutboxRelay, WallClock } from '@bellwether/platform';
import { builtInPlaybooks, type PlaybookDefinition } from '@bellwether/playbook-domain';
import { alertLifecycleEvent, type ReceivedMail, resetTestDatabase, scoreChanged, scoreSnapshot, testEnvironment, TestSmtpServer, waitFor } from '@bellwether/testing';
import { KpiReadModelRepository } from '../kpis/kpi-read-model.repository';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { PlaybookEnv } from '../playbook.env';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryWorker } from './delivery-worker';
import { PlaybookConsumer } from './playbook.consumer';
import { PlaybookRunner } from './playbook-runner.service';
import { feed } from './run-history.fixture';
import { RunRepository } from './run.repository';
import { fixedPlaybooks } from '../playbooks/playbook-activations';

/** A stored delivery row, as the assertions read it. */
interface StoredDelivery {
  status: string;
  attempts: number;
  last_error: string | null;
}

const FROM = 'Bellwether <cs@acme.example>';
const FALLBACK = 'cs-team@acme.example';

/** A playbook with its own templates (text verbatim, HTML escaped) over the account's fields. */
const riskReview: PlaybookDefinition = {
  id: 'risk-review',
  version: 1,
  name: 'Risk review',
  trigger: { kind: 'incident', category: 'risk' },
  steps: [
    {
      kind: 'email',
      id: 'notice',
      template: 'risk-review/notice',
      to: 'account_contact',
      subject: '{{account.id}}: {{trigger.summary}}, health {{account.health}} ({{account.band}})',
      text: 'Churn risk {{account.churnRiskPercent}}%, owner {{account.csmId}}\n{{#account.reasons}}- {{.}}\n{{/account.reasons}}',
      html: '<p>{{account.id}}</p><ul>{{#account.reasons}}<li>{{.}}</li>{{/account.reasons}}</ul>',
    },
  ],
  exitCriteria: [],
};

/**
 * Playbook's delivery worker sending email steps by SMTP (nodemailer) to a real SMTP server
 * (`smtp-server`, on a free loopback port) over the real repository, migrations and Postgres:
 * what arrives (rendered subject and bodies, recipient, Message-ID), retries of transient replies,
 * permanent refusals parking the run at once, and a run without a recipient parked with the reason.
 */
describe('DeliveryWorker by SMTP, on real Postgres with a real SMTP server', () => {
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: PLAYBOOK_SCHEMA, entities: [], migrations: playbookMigrations, applicationName: 'it-smtp-delivery', poolSize: 4 });
  const db = new Client({ connectionString: testEnvironment.databaseUrl });
  const logger = createLogger('it-smtp-delivery', 'silent');
  // Never started: the worker only nudges it after parking a run.
  const relay = new OutboxRelay(dataSource, new MessageProducer(new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-smtp-delivery' })), logger, new WallClock(), { schema: PLAYBOOK_SCHEMA });
  const smtp = new TestSmtpServer();
  const received = smtp.received;
  const rcpts = smtp.rcpts;
  let smtpUrl = '';
  let worker: DeliveryWorker | null = null;
  /** The directory the worker reads CSM addresses from (libs/auth's, as DirectoryRing keeps it); empty unless a test fills it. */
  let directory = new DirectoryState();

  beforeAll(async () => {
    await resetTestDatabase();
    await dataSource.initialize();
    await migrate(dataSource, PLAYBOOK_SCHEMA);
    await db.connect();
    smtpUrl = await smtp.start();
  });

  beforeEach(async () => {
    smtp.reset();
    directory = new DirectoryState();
    await db.query('TRUNCATE playbook.deliveries, playbook.outbox, playbook.tasks, playbook.runs, playbook.account_snapshots, playbook.processed_messages CASCADE');
  });

  afterEach(async () => {
    await worker?.onApplicationShutdown();
    worker = null;
  });

  afterAll(async () => {
    await smtp.stop();
    await db.end();
    await dataSource.destroy();
  });

  function startWorker(overrides: Partial<PlaybookEnv> = {}, definitions: readonly PlaybookDefinition[] = [riskReview], addresses: CsmAddresses = directory): void {
    const env = Object.assign(new PlaybookEnv(), {
      SMTP_URL: smtpUrl,
      EMAIL_FROM: FROM,
      EMAIL_FALLBACK_TO: FALLBACK,
      DELIVERY_MAX_ATTEMPTS: 5,
      DELIVERY_BACKOFF_INITIAL_MS: 50,
      DELIVERY_BACKOFF_MAX_MS: 100,
      ...overrides,
    });
    worker = new DeliveryWorker(new DeliveryRepository(dataSource), new PlaybookRunner(fixedPlaybooks(definitions), new RunRepository()), addresses, relay, env, new WallClock(), logger, fixedPlaybooks(definitions));
    worker.onApplicationBootstrap();
  }

  /** A running run of `risk-review` for `accountId` (queue `csm:<csmId>`, or the unassigned team), its email delivery, and the account's snapshot. */
  async function emailStep(runId: string, accountId: string, options: { csmId?: string; withSnapshot?: boolean } = {}): Promise<string> {
    const state = { runId, playbookId: 'risk-review', playbookVersion: 1, variantId: 'control', accountId, status: 'running', currentStepId: 'notice', history: [] };
    const queue = options.csmId ? `csm:${options.csmId}` : 'team:unassigned';
    await db.query(
      `INSERT INTO playbook.runs (id, playbook_id, playbook_version, variant_id, account_id, queue, status, state, trigger) VALUES ($1, 'risk-review', 1, 'control', $2, $3, 'running', $4, $5)`,
      [runId, accountId, queue, JSON.stringify(state), JSON.stringify({ kind: 'incident', category: 'risk', severity: 'critical' })],
    );
    if (options.withSnapshot !== false) {
      const profile = { churnRisk: 0.82, stage: 'renewal', reasons: ['Payment failed on 2026-12-01', 'Usage down 45% <vs. baseline>'], ...(options.csmId ? { csmId: options.csmId } : {}) };
      await db.query('INSERT INTO playbook.account_snapshots (account_id, snapshot, sequence, profile) VALUES ($1, $2, 7, $3)', [
        accountId,
        JSON.stringify({ band: 'red', segment: 'at_risk', health: 23 }),
        JSON.stringify(profile),
      ]);
    }
    const deliveryId = `${runId}:notice`;
    await db.query(`INSERT INTO playbook.deliveries (id, run_id, kind, target, payload) VALUES ($1, $2, 'email', 'risk-review/notice', $3)`, [
      deliveryId,
      runId,
      JSON.stringify({ runId, accountId, playbookId: 'risk-review', stepId: 'notice', template: 'risk-review/notice', to: 'account_contact' }),
    ]);
    return deliveryId;
  }

  async function delivery(id: string): Promise<StoredDelivery | undefined> {
    const { rows } = await db.query<StoredDelivery>('SELECT status, attempts, last_error FROM playbook.deliveries WHERE id = $1', [id]);
    return rows[0];
  }

  async function run(id: string): Promise<{ status: string; last_error: string | null } | undefined> {
    const { rows } = await db.query<{ status: string; last_error: string | null }>('SELECT status, last_error FROM playbook.runs WHERE id = $1', [id]);
    return rows[0];
  }

  async function sent(result: string): Promise<number> {
    const metric = (await register.getMetricsAsJSON()).find((candidate) => candidate.name === 'bellwether_playbook_deliveries_total');
    return metric?.values.find((value) => value.labels['kind'] === 'email' && value.labels['channel'] === 'smtp' && value.labels['result'] === result)?.value ?? 0;
  }

  it("delivers the rendered email to the fallback recipient, with the account's fields, the HTML escaped and the delivery's Message-ID", async () => {
    const deliveryId = await emailStep('run_mail', 'acme & <sons>', { csmId: 'ana' });
    const deliveredBefore = await sent('delivered');
    startWorker();

    await waitFor(async () => (await delivery(deliveryId))?.status === 'delivered', { timeoutMs: 10_000, description: 'the email delivered' });
    expect(await delivery(deliveryId)).toEqual({ status: 'delivered', attempts: 1, last_error: null });
    expect(received).toHaveLength(1);
    const [{ envelopeTo, mail }] = received as [ReceivedMail];
    expect(envelopeTo).toEqual([FALLBACK]);
    expect(mail.from?.value).toEqual([{ address: 'cs@acme.example', name: 'Bellwether' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([{ address: FALLBACK, name: '' }]);
    expect(mail.subject).toBe('acme & <sons>: risk incident (critical), health 23 (red)');
    expect(mail.text).toBe('Churn risk 82%, owner ana\n- Payment failed on 2026-12-01\n- Usage down 45% <vs. baseline>\n');
    expect(mail.html).toBe('<p>acme &amp; &lt;sons&gt;</p><ul><li>Payment failed on 2026-12-01</li><li>Usage down 45% &lt;vs. baseline&gt;</li></ul>');
    expect(mail.messageId).toBe(deliveryMessageId(deliveryId, FROM));
    expect(mail.headers.get('x-bellwether-delivery-id')).toBe(deliveryId);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(await sent('delivered')).toBe(deliveredBefore + 1);
  });

  it("sends to the owner CSM's address when the directory has one (issue 18 §4), to the fallback for a CSM without", async () => {
    directory.apply({ schemaVersion: 1, kind: 'csm', id: 'ana', team: null, managers: [], email: 'ana@acme.example', deleted: false, updatedAt: '2026-03-01T10:00:00.000Z' });
    directory.apply({ schemaVersion: 1, kind: 'csm', id: 'bo', team: null, managers: [], email: null, deleted: false, updatedAt: '2026-03-01T10:00:00.000Z' });
    const toAna = await emailStep('run_ana', 'initech', { csmId: 'ana' });
    const toFallback = await emailStep('run_bo', 'umbrella', { csmId: 'bo' });
    startWorker();

    await waitFor(async () => (await delivery(toAna))?.status === 'delivered' && (await delivery(toFallback))?.status === 'delivered', { timeoutMs: 10_000, description: 'both emails delivered' });
    const to = (subjectStart: string) => {
      const entry = received.find(({ mail }) => mail.subject?.startsWith(subjectStart));
      return [entry?.envelopeTo, entry?.mail.to && !Array.isArray(entry.mail.to) ? entry.mail.to.value.map((address) => address.address) : []];
    };
    expect(to('initech:')).toEqual([['ana@acme.example'], ['ana@acme.example']]);
    expect(to('umbrella:')).toEqual([[FALLBACK], [FALLBACK]]);
  });

  it('starts no delivery before the directory is read (after a restart): the due email then goes to its CSM, not the fallback', async () => {
    let read: () => void = () => undefined;
    const reading = Object.assign(new DirectoryState(), { caughtUp: new Promise<void>((resolve) => (read = resolve)) });
    const deliveryId = await emailStep('run_cy', 'hooli', { csmId: 'cy' });
    startWorker({}, [riskReview], reading);
    expect(worker?.delivering).toBe(false);
    reading.apply({ schemaVersion: 1, kind: 'csm', id: 'cy', team: null, managers: [], email: 'cy@acme.example', deleted: false, updatedAt: '2026-03-01T10:00:00.000Z' });
    read();
    await waitFor(async () => (await delivery(deliveryId))?.status === 'delivered', { timeoutMs: 10_000, description: 'the email delivered once the directory is read' });
    expect(received.map((entry) => entry.envelopeTo)).toEqual([['cy@acme.example']]);
  });

  it("sends the built-in email of a run the consumer started, with the score change's churn risk, reasons and owner", async () => {
    // A score change keeps the account's snapshot and profile; the payment_failed alert starts Payment recovery, whose first step is its email.
    const consumer = new PlaybookConsumer(dataSource, new PlaybookRunner(fixedPlaybooks(builtInPlaybooks), new RunRepository()), relay, new KpiReadModelRepository());
    const after = scoreSnapshot({ health: 38, band: 'red', churnRisk: 0.61, segment: 'at_risk', stage: 'adoption' });
    await feed(
      consumer,
      [
        { topic: 'scores', value: scoreChanged({ accountId: 'globex', changeId: 'globex:3', sequence: 3, after, reasons: ['Payment failed', 'Usage down 30% over 4 weeks'], account: { csmId: 'ana', mrr: 900, plan: 'growth' } }) },
        { topic: 'alerts', value: alertLifecycleEvent({ accountId: 'globex', alertId: 'al_globex', rule: 'payment_failed', queue: 'csm:ana' }) },
      ],
      10,
    );
    startWorker({}, builtInPlaybooks);

    await waitFor(() => received.length === 1, { timeoutMs: 10_000, description: 'the payment recovery email' });
    const { mail, envelopeTo } = received[0] as ReceivedMail;
    expect(envelopeTo).toEqual([FALLBACK]);
    expect(mail.subject).toBe('[globex] A payment failed: contact the account');
    expect(mail.text).toContain('Account: globex (growth plan, MRR 900)\nHealth: 38 (red), segment at_risk\nChurn risk: 61%, lifecycle stage adoption\nOwner CSM: ana\n');
    expect(mail.text).toContain('Started by: alert rule payment_failed (playbook Payment recovery, run run_');
    expect(mail.text).toContain('Why:\n- Payment failed\n- Usage down 30% over 4 weeks\n');
    const { rows } = await db.query<{ id: string; status: string }>("SELECT d.id, d.status FROM playbook.deliveries d JOIN playbook.runs r ON r.id = d.run_id WHERE r.account_id = 'globex'");
    expect(rows).toHaveLength(1);
    expect(mail.messageId).toBe(deliveryMessageId(rows[0]?.id ?? '', FROM));
    await waitFor(async () => (await delivery(rows[0]?.id ?? ''))?.status === 'delivered', { timeoutMs: 5000, description: 'the delivery recorded' });
  });

  it('retries a 451 reply with backoff and delivers the email once when the server then answers 250', async () => {
    smtp.answerRcpt = (_address, seen) => (seen === 1 ? { code: 451, text: '4.7.1 Greylisted, try again later' } : 'accept');
    const deliveryId = await emailStep('run_grey', 'greylisted');
    const retriedBefore = await sent('retry');
    startWorker();

    await waitFor(async () => (await delivery(deliveryId))?.status === 'delivered', { timeoutMs: 10_000, description: 'the greylisted email delivered on its second attempt' });
    expect(await delivery(deliveryId)).toEqual({ status: 'delivered', attempts: 2, last_error: null });
    expect(rcpts).toEqual([FALLBACK, FALLBACK]);
    expect(received).toHaveLength(1);
    expect(received[0]?.mail.messageId).toBe(deliveryMessageId(deliveryId, FROM));
    expect(await sent('retry')).toBe(retriedBefore + 1);
    expect((await run('run_grey'))?.status).toBe('running');
  });

  it('fails a 550 refusal at once, without retrying, and parks the run with the SMTP reply', async () => {
    smtp.answerRcpt = () => ({ code: 550, text: '5.1.1 Mailbox unavailable' });
    const deliveryId = await emailStep('run_refused', 'refused');
    startWorker();

    await waitFor(async () => (await delivery(deliveryId))?.status === 'failed', { timeoutMs: 10_000, description: 'the refused email failed' });
    const stored = await delivery(deliveryId);
    expect(stored).toMatchObject({ status: 'failed', attempts: 1 });
    expect(stored?.last_error).toMatch(/^SMTP 550 5\.1\.1 Mailbox unavailable \(RCPT TO\)$/);
    expect(rcpts).toEqual([FALLBACK]);
    expect(received).toEqual([]);
    expect(await run('run_refused')).toEqual({ status: 'parked', last_error: `email step notice failed once: ${stored?.last_error}` });
    const { rows: events } = await db.query<{ payload: { kind: string; runId: string; error: string } }>('SELECT payload FROM playbook.outbox');
    expect(events.map((row) => row.payload)).toEqual([expect.objectContaining({ kind: 'run.parked', runId: 'run_refused', error: `email step notice failed once: ${stored?.last_error}` })]);
  });

  it('parks a run whose email has no recipient (no owner address, no EMAIL_FALLBACK_TO) with the reason, sending nothing', async () => {
    const deliveryId = await emailStep('run_nobody', 'unowned', { withSnapshot: false });
    startWorker({ EMAIL_FALLBACK_TO: undefined });

    await waitFor(async () => (await delivery(deliveryId))?.status === 'failed', { timeoutMs: 10_000, description: 'the email without a recipient failed' });
    const reason = 'no recipient for email step notice: account unowned has no owner CSM, and EMAIL_FALLBACK_TO is not set';
    expect(await delivery(deliveryId)).toEqual({ status: 'failed', attempts: 1, last_error: reason });
    expect(await run('run_nobody')).toEqual({ status: 'parked', last_error: `email step notice failed once: ${reason}` });
    expect(rcpts).toEqual([]);
  });

  it('sends a retry after a lost reply with the same Message-ID, so the copy is recognisable', async () => {
    // The server takes the first message and drops the connection before its 250: the sender cannot know it arrived.
    smtp.dropReplyAfterData = (_mail, seen) => seen === 1;
    const deliveryId = await emailStep('run_lost', 'lost-reply');
    startWorker();

    await waitFor(async () => (await delivery(deliveryId))?.status === 'delivered', { timeoutMs: 10_000, description: 'the email delivered after the lost reply' });
    expect(await delivery(deliveryId)).toEqual({ status: 'delivered', attempts: 2, last_error: null });
    expect(received.map((entry) => entry.mail.messageId)).toEqual([deliveryMessageId(deliveryId, FROM), deliveryMessageId(deliveryId, FROM)]);
  });

  it('retries while the relay is unreachable, keeping the connection error', async () => {
    const deliveryId = await emailStep('run_down', 'relay-down');
    // A port nothing listens on: the server's own, once it is closed, would race other tests; port 1 is privileged and unused.
    startWorker({ SMTP_URL: 'smtp://127.0.0.1:1' });

    await waitFor(async () => ((await delivery(deliveryId))?.attempts ?? 0) >= 2, { timeoutMs: 10_000, description: 'two failed attempts' });
    const stored = await delivery(deliveryId);
    expect(stored?.status).toBe('pending');
    expect(stored?.last_error).toMatch(/ECONNREFUSED/);
    expect((await run('run_down'))?.status).toBe('running');
  });
});
