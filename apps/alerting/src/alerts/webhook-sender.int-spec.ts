import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createLogger, createServiceDataSource, migrate, verifyWebhookSignature, WallClock } from '@bellwether/platform';
import { type SlackMessage, slackIncidentMessage } from '@bellwether/alerting-domain';
import { incidentLifecycleEvent, resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { AlertingEnv } from '../alerting.env';
import { ALERTING_SCHEMA, alertingMigrations } from '../migrations';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookSender } from './webhook-sender';

interface Received {
  readonly eventId: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly atMs: number;
}

interface StoredDelivery {
  status: string;
  attempts: number;
  last_error: string | null;
  claimed_until: Date | null;
}

/**
 * How the receiver answers one request of an event: a status, maybe held back until `until()`
 * holds (checked every 10 ms) or `afterMs` has passed, whichever comes first.
 */
type Answer = { readonly status: number; readonly afterMs?: number; readonly until?: () => boolean };

/**
 * Alerting's webhook sender (the shared `WebhookDeliveryWorker` over the real repository and
 * migrations) against a real Postgres and a real HTTP receiver on loopback.
 */
describe('WebhookSender on real Postgres with a real receiver', () => {
  const applicationName = 'it-webhook-sender';
  const secret = 'it-webhook-secret-0123456789';
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: ALERTING_SCHEMA, entities: [], migrations: alertingMigrations, applicationName, poolSize: 4 });
  const db = new Client({ connectionString: testEnvironment.databaseUrl });
  const logger = createLogger(applicationName, 'silent');
  const repository = new WebhookDeliveryRepository(dataSource);
  const received: Received[] = [];
  /** `received <id>` and `answered <id>` in the order they happened at the receiver. */
  const timeline: string[] = [];
  /** Answers by event id and attempt (1-based); 200 at once by default. */
  let answer: (eventId: string, attempt: number) => Answer = () => ({ status: 200 });
  const pendingAnswers = new Set<NodeJS.Timeout>();
  let server: Server;
  let url = '';
  let sender: WebhookSender | null = null;

  beforeAll(async () => {
    await resetTestDatabase();
    await dataSource.initialize();
    await migrate(dataSource, ALERTING_SCHEMA);
    await db.connect();
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const eventId = String(request.headers['bellwether-event-id']);
        received.push({ eventId, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now() });
        timeline.push(`received ${eventId}`);
        const { status, afterMs, until } = answer(eventId, received.filter((entry) => entry.eventId === eventId).length);
        const respond = () => {
          timeline.push(`answered ${eventId}`);
          if (!response.destroyed) response.writeHead(status).end();
        };
        if (!afterMs) return void respond();
        const giveUpAt = Date.now() + afterMs;
        const check = () => {
          if (until?.() || Date.now() >= giveUpAt) return respond();
          const timer = setTimeout(() => {
            pendingAnswers.delete(timer);
            check();
          }, until ? 10 : giveUpAt - Date.now());
          pendingAnswers.add(timer);
        };
        check();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/bellwether`;
  });

  beforeEach(async () => {
    received.length = 0;
    timeline.length = 0;
    answer = () => ({ status: 200 });
    await db.query('TRUNCATE alerting.webhook_deliveries');
  });

  afterEach(async () => {
    await sender?.onApplicationShutdown();
    sender = null;
  });

  afterAll(async () => {
    for (const timer of pendingAnswers) clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await db.end();
    await dataSource.destroy();
  });

  function startSender(overrides: Partial<AlertingEnv> = {}): WebhookSender {
    const env = Object.assign(new AlertingEnv(), { WEBHOOK_URL: url, WEBHOOK_SECRET: secret, WEBHOOK_BACKOFF_INITIAL_MS: 100, WEBHOOK_BACKOFF_MAX_MS: 400, ...overrides });
    sender = new WebhookSender(repository, env, new WallClock(), logger);
    sender.onApplicationBootstrap();
    return sender;
  }

  async function enqueue(...payloads: Record<string, unknown>[]): Promise<void> {
    for (const payload of payloads) await db.query('INSERT INTO alerting.webhook_deliveries (event_id, payload) VALUES ($1, $2)', [payload['eventId'], JSON.stringify(payload)]);
  }

  async function stored(eventId: string): Promise<StoredDelivery | undefined> {
    const { rows } = await db.query<StoredDelivery>('SELECT status, attempts, last_error, claimed_until FROM alerting.webhook_deliveries WHERE event_id = $1', [eventId]);
    return rows[0];
  }

  it('a receiver slower than the timeout neither delays another delivery nor holds a lock or a transaction while it is awaited', async () => {
    answer = (eventId, attempt) => (eventId === 'ev_slow' && attempt === 1 ? { status: 200, afterMs: 10_000 } : { status: 200 });
    // The slow one is older, so it is claimed (and sent) first.
    await enqueue({ eventId: 'ev_slow', alertId: 'al_slow' });
    await enqueue({ eventId: 'ev_fast', alertId: 'al_fast' });
    startSender();

    await waitFor(() => received.some((entry) => entry.eventId === 'ev_slow'), { timeoutMs: 5000, description: 'the slow receiver to be called' });
    await waitFor(async () => (await stored('ev_fast'))?.status === 'delivered', { timeoutMs: 5000, description: 'the fast delivery, while the slow one is awaited' });
    expect(timeline.slice(0, 3)).toEqual(['received ev_slow', 'received ev_fast', 'answered ev_fast']);

    // The slow request is still under way (its first attempt has neither been answered nor timed
    // out): its row is claimed by lease, not locked, and the sender's connections hold no transaction.
    const slow = await stored('ev_slow');
    expect(slow).toMatchObject({ status: 'pending', attempts: 0 });
    expect(slow?.claimed_until).not.toBeNull();
    await db.query('BEGIN');
    try {
      const { rows } = await db.query("SELECT event_id FROM alerting.webhook_deliveries WHERE event_id = 'ev_slow' FOR UPDATE NOWAIT");
      expect(rows).toHaveLength(1);
    } finally {
      await db.query('ROLLBACK');
    }
    const { rows: held } = await db.query<{ locks: number; open: number }>(
      `SELECT (SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = $1 AND l.granted AND l.locktype IN ('relation', 'tuple', 'transactionid'))::int AS locks,
              (SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%')::int AS open`,
      [applicationName],
    );
    expect(held[0]).toEqual({ locks: 0, open: 0 });
    expect(received.filter((entry) => entry.eventId === 'ev_slow')).toHaveLength(1);

    // The timed-out attempt counts as a failure; the retry is answered at once.
    const done = await waitFor(async () => {
      const row = await stored('ev_slow');
      return row?.status === 'delivered' && row;
    }, { timeoutMs: 15_000, description: 'the slow delivery retried after its timeout and delivered' });
    expect(done).toEqual({ status: 'delivered', attempts: 2, last_error: null, claimed_until: null });
    expect(received.filter((entry) => entry.eventId === 'ev_fast')).toHaveLength(1);
  });

  it("sends one alert's events one at a time, in revision order, while other alerts' go on", async () => {
    // The first event's answer is held until the other alert's event has arrived (at most 4 s,
    // under the 5 s request timeout): if that one were held back too, it would come after.
    answer = (eventId, attempt) =>
      eventId === 'al_ord:1' && attempt === 1 ? { status: 200, afterMs: 4000, until: () => timeline.includes('received al_other:1') } : { status: 200 };
    await enqueue({ eventId: 'al_ord:1', alertId: 'al_ord', revision: 1 }, { eventId: 'al_ord:2', alertId: 'al_ord', revision: 2 }, { eventId: 'al_other:1', alertId: 'al_other', revision: 1 });
    startSender();
    await waitFor(async () => (await stored('al_ord:2'))?.status === 'delivered', { timeoutMs: 10_000, description: "the alert's second event delivered" });
    const at = (entry: string) => timeline.indexOf(entry);
    // The second event waited for the first one's answer; the other alert's did not.
    expect(at('received al_ord:2')).toBeGreaterThan(at('answered al_ord:1'));
    expect(at('received al_other:1')).toBeGreaterThanOrEqual(0);
    expect(at('received al_other:1')).toBeLessThan(at('answered al_ord:1'));
  });

  it('retries a failing receiver with backoff, then marks the delivery failed after WEBHOOK_MAX_ATTEMPTS', async () => {
    answer = (eventId) => (eventId === 'ev_bad' ? { status: 500 } : { status: 200 });
    await enqueue({ eventId: 'ev_bad', alertId: 'al_bad' }, { eventId: 'ev_good', alertId: 'al_good' });
    startSender({ WEBHOOK_MAX_ATTEMPTS: 3 });

    const failed = await waitFor(async () => {
      const row = await stored('ev_bad');
      return row?.status === 'failed' && row;
    }, { timeoutMs: 10_000, description: 'the failing delivery given up' });
    expect(failed).toEqual({ status: 'failed', attempts: 3, last_error: 'answered 500', claimed_until: null });
    expect(await stored('ev_good')).toMatchObject({ status: 'delivered', attempts: 1 });

    const attempts = received.filter((entry) => entry.eventId === 'ev_bad').map((entry) => entry.atMs);
    expect(attempts).toHaveLength(3);
    // Backoff 100 ms then 200 ms, each at least 80% of it (the jitter's floor).
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(80);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(160);
  });

  it('signs each delivery so the receiver can verify it, with the event id and type headers', async () => {
    const alert = { eventId: 'al_1:opened', alertId: 'al_1', kind: 'opened' };
    const incident = { eventId: 'in_1:opened', incidentId: 'in_1', kind: 'opened' };
    await enqueue(alert, incident);
    startSender();

    await waitFor(() => received.length === 2, { timeoutMs: 5000, description: 'both deliveries' });
    for (const entry of received) {
      const signature = String(entry.headers['bellwether-signature']);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(secret, entry.body, signature, Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifyWebhookSignature('another-secret-0123456789', entry.body, signature, Math.floor(Date.now() / 1000))).toBe(false);
      expect(entry.headers['content-type']).toBe('application/json');
    }
    const byId = new Map(received.map((entry) => [entry.eventId, entry]));
    expect(JSON.parse(byId.get('al_1:opened')?.body ?? '')).toEqual(alert);
    expect(byId.get('al_1:opened')?.headers['bellwether-event-type']).toBe('alert');
    expect(JSON.parse(byId.get('in_1:opened')?.body ?? '')).toEqual(incident);
    expect(byId.get('in_1:opened')?.headers['bellwether-event-type']).toBe('incident');
  });

  it('leaves a row claimed by another sender alone until its lease runs out', async () => {
    await enqueue({ eventId: 'ev_leased', alertId: 'al_leased' });
    // The row is due from the database's now() at the insert, in microseconds; a JavaScript Date
    // is whole milliseconds, so "now" taken in the same millisecond would be before it. Round up.
    const now = new Date(Date.now() + 1);
    const [claimed] = await repository.claimDue(10, now, new Date(now.getTime() + 60_000));
    expect(claimed?.id).toBe('ev_leased');
    expect(await repository.claimDue(10, new Date(now.getTime() + 59_000), new Date(now.getTime() + 119_000))).toEqual([]);

    // The first claimer crashed: after its lease the row is due again, and its late record is ignored.
    const [again] = await repository.claimDue(10, new Date(now.getTime() + 60_000), new Date(now.getTime() + 120_000));
    expect(again).toMatchObject({ id: 'ev_leased', attempts: 0 });
    await repository.recordDelivered(claimed!, 1);
    expect(await stored('ev_leased')).toMatchObject({ status: 'pending', attempts: 0 });
    await repository.recordDelivered(again!, 1);
    expect(await stored('ev_leased')).toEqual({ status: 'delivered', attempts: 1, last_error: null, claimed_until: null });
  });

  it('with WEBHOOK_FORMAT=slack, POSTs each incident event as a Slack message (account linked, severity, reasons), unsigned without a secret, and skips alert events', async () => {
    const incident = incidentLifecycleEvent({
      eventId: 'in_slack:1',
      incidentId: 'in_slack',
      accountId: 'Smith & Sons <ltd>',
      severity: 'critical',
      ruleIds: ['payment_failed'],
      rules: [{ rule: 'payment_failed', alertId: 'al_9', severity: 'critical', status: 'open', evidence: ['invoice 42 failed: card <declined>'] }],
    });
    await enqueue({ eventId: 'al_slack:1', alertId: 'al_slack' }, incident as unknown as Record<string, unknown>);
    startSender({ WEBHOOK_FORMAT: 'slack', WEBHOOK_EVENTS: 'incidents', CONSOLE_BASE_URL: 'https://console.acme.example', WEBHOOK_SECRET: undefined });

    await waitFor(async () => (await stored('in_slack:1'))?.status === 'delivered' && (await stored('al_slack:1'))?.status === 'skipped', {
      timeoutMs: 5000,
      description: 'the incident delivered to the Slack receiver and the alert skipped',
    });
    expect(received.map((entry) => entry.eventId)).toEqual(['in_slack:1']);
    const [request] = received;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['bellwether-signature']).toBeUndefined();
    const body = JSON.parse(request?.body ?? '') as SlackMessage;
    expect(body).toEqual(slackIncidentMessage(incident, 'https://console.acme.example'));
    expect(body.text).toBe('Risk incident opened: Smith &amp; Sons &lt;ltd&gt; (critical) – payment_failed https://console.acme.example/accounts/Smith%20%26%20Sons%20%3Cltd%3E');
    expect(JSON.stringify(body.blocks)).toContain('<https://console.acme.example/accounts/Smith%20%26%20Sons%20%3Cltd%3E|Smith &amp; Sons &lt;ltd&gt;>');
    expect(JSON.stringify(body.blocks)).toContain('invoice 42 failed: card &lt;declined&gt;');
    expect(await stored('al_slack:1')).toMatchObject({ status: 'skipped', last_error: 'WEBHOOK_FORMAT=slack sends incident events only' });
  });
});
