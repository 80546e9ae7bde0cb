import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

/** An account owned by `csmId` that the events take deep into red (a critical alert). */
function troubled(accountId: string, csmId: string) {
  const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId, userId: 'u1', timestamp, properties });
  return [
    // The account's history begins 3 days ago (its contract long before): no silent months to replay.
    event('subscription.changed', daysAgo(3), { plan: 'pro', seats: 10, mrr: 5000, startDate: daysAgo(200) }),
    event('account.updated', daysAgo(3), { traits: { csmId } }),
    event('feature.used', daysAgo(3), { feature: 'reports' }),
    ...Array.from({ length: 5 }, (_, n) => event('support.ticket_opened', daysAgo(2), { ticketId: `t${n}`, topic: 'sync' })),
    event('billing.payment_failed', daysAgo(2)),
    event('nps.responded', daysAgo(1), { score: 2 }),
  ];
}

/** CSM queues over HTTP: listing, acting, who may do what, the live stream, escalation. */
/** A webhook receiver on loopback: the first two deliveries fail, to exercise the retries. */
const webhookSecret = 'e2e-webhook-secret-0123456789';
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
let failuresLeft = 2;
const receiver: Server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      response.writeHead(503).end();
      return;
    }
    received.push({ headers: request.headers, body });
    response.writeHead(204).end();
  });
});
const webhookPort = 4590 + Number(process.env['E2E_PORT_OFFSET'] ?? 0);

describe('alert queues (alerting work API)', () => {
  const stack = new Stack(4500, { alerting: { WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/hooks/bellwether`, WEBHOOK_SECRET: webhookSecret } });
  const keys: Record<string, string> = {};
  let accountId = '';
  let alertId = '';

  const api = (method: string, path: string, key: string | undefined, body?: unknown) =>
    fetch(`${stack.services.alerting.baseUrl}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(webhookPort, '127.0.0.1', resolve));
    await stack.start();
    // The events below set the owner: a trusted source (accounts:write), as a CRM sync would.
    keys['ingest'] = await stack.createKey('ingest,accounts:write');
    keys['ana'] = await stack.createKey('csm', ['--csm-id', 'csm-ana']);
    keys['zed'] = await stack.createKey('csm', ['--csm-id', 'csm-zed']);
    keys['emea'] = await stack.createKey('manager', ['--team', 'emea']);
    keys['apac'] = await stack.createKey('manager', ['--team', 'apac']);
    keys['integrator'] = await stack.createKey('integrator');
    // Team membership is directory data (issue 13): it decides managers' views and escalations.
    await stack.putDirectory(await stack.createKey('admin'), { emea: ['csm-ana'], apac: ['csm-zed'] });
    // Keys travel to alerting over bellwether.api-keys.v1, the directory over bellwether.directory.v1.
    for (const key of Object.values(keys)) {
      await waitFor(async () => (await api('GET', '/v1/queues/csm:nobody/alerts', key)).status !== 401, { description: 'keys to reach alerting' });
    }
    await waitFor(async () => (await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['emea'])).status === 200, { description: 'the directory to reach alerting' });
    accountId = `q-${randomUUID()}`;
    expect((await stack.post('/v1/events', { events: troubled(accountId, 'csm-ana') }, { authorization: `Bearer ${keys['ingest']}` })).status).toBe(202);
    const opened = await stack.waitForRecord(Topics.alerts, 'the critical alert', (value) => value['accountId'] === accountId && value['rule'] === 'health_entered_red');
    alertId = (opened.value as AlertLifecycleEvent).alertId;
  });

  afterAll(async () => {
    await stack.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('delivers every lifecycle event to the webhook, signed, retrying after failures', async () => {
    const delivery = await waitFor(() => received.find((entry) => (JSON.parse(entry.body) as AlertLifecycleEvent).alertId === alertId), {
      description: 'the signed webhook delivery of the opened alert',
      timeoutMs: 30_000,
    });
    const signature = String(delivery.headers['bellwether-signature']);
    const [, timestamp, digest] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(digest).toBe(createHmac('sha256', webhookSecret).update(`${timestamp}.${delivery.body}`).digest('hex'));
    expect(failuresLeft).toBe(0);
    expect(delivery.headers['bellwether-event-id']).toBe((JSON.parse(delivery.body) as AlertLifecycleEvent).eventId);
  });

  it('lists the owner’s queue priority first; other CSMs and other teams see nothing', async () => {
    const mine = (await (await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['ana'])).json()) as { alerts: { alertId: string; priority: number }[] };
    expect(mine.alerts.map((alert) => alert.alertId)).toContain(alertId);
    const priorities = mine.alerts.map((alert) => alert.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['zed'])).status).toBe(404);
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['apac'])).status).toBe(404);
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['emea'])).status).toBe(200);
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['integrator'])).status).toBe(200);
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['ingest'])).status).toBe(403);
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts', undefined)).status).toBe(401);
    expect((await api('GET', '/v1/queues/csm:csm-ana/alerts?status=lost', keys['ana'])).status).toBe(400);
  });

  it('shows the account once in the queue as a risk incident listing every firing rule with its evidence', async () => {
    const incidentId = ((await stack.waitForRecord(Topics.incidents, 'the risk incident', (value) => value['accountId'] === accountId && value['kind'] === 'opened')).value as IncidentLifecycleEvent)
      .incidentId;
    type Listed = { incidentId: string; accountId: string; category: string; severity: string; ruleIds: string[]; rules: { rule: string; alertId: string; evidence: string[] }[] };
    const listed = (await (await api('GET', '/v1/queues/csm:csm-ana/incidents?status=open,acknowledged,snoozed', keys['ana'])).json()) as { incidents: Listed[] };
    const ofAccount = listed.incidents.filter((incident) => incident.accountId === accountId);
    expect(ofAccount).toEqual([expect.objectContaining({ incidentId, category: 'risk', severity: 'critical' })]);
    const alerts = (await (await api('GET', `/v1/queues/csm:csm-ana/alerts?status=open,acknowledged,snoozed&category=risk`, keys['ana'])).json()) as {
      alerts: { alertId: string; accountId: string; rule: string; incidentId: string | null }[];
    };
    const mine = alerts.alerts.filter((alert) => alert.accountId === accountId);
    expect(mine.map((alert) => alert.incidentId)).toEqual(mine.map(() => incidentId));
    const rules = ofAccount[0]?.rules ?? [];
    expect(rules.map((rule) => rule.alertId).sort()).toEqual(mine.map((alert) => alert.alertId).sort());
    expect(rules.find((rule) => rule.alertId === alertId)?.evidence.length).toBeGreaterThan(0);
    expect((await api('GET', '/v1/queues/csm:csm-ana/incidents', keys['zed'])).status).toBe(404);
    expect((await api('POST', `/v1/incidents/${incidentId}/acknowledge`, keys['zed'])).status).toBe(404);
  });

  it('escalates an unacknowledged P1 past its SLA to the CSM’s team manager queue, once the pipeline clock passes it', async () => {
    // CLOCK_MODE=event: the SLA (4 s after the alert's event time) runs on the pipeline watermark,
    // which the test moves to now, as scoring does once the events reach it. (That nothing
    // escalates before is the integration test's subject: here scoring may publish one too.)
    await stack.publishWatermark(new Date().toISOString());
    const escalated = await stack.waitForRecord(Topics.alerts, 'the escalation', (value) => value['alertId'] === alertId && value['kind'] === 'escalated', 30_000);
    expect((escalated.value as AlertLifecycleEvent).escalatedTo).toBe('manager:emea');
    const managerQueue = (await (await api('GET', '/v1/queues/manager:emea/alerts', keys['emea'])).json()) as { alerts: { alertId: string }[] };
    expect(managerQueue.alerts.map((alert) => alert.alertId)).toContain(alertId);
    expect((await api('GET', '/v1/queues/manager:emea/alerts', keys['apac'])).status).toBe(404);
  });

  it('refuses changes from keys that may not act on the alert', async () => {
    expect((await api('POST', `/v1/alerts/${alertId}/acknowledge`, keys['zed'])).status).toBe(404);
    expect((await api('POST', `/v1/alerts/${alertId}/acknowledge`, keys['apac'])).status).toBe(404);
    expect((await api('POST', `/v1/alerts/${alertId}/acknowledge`, keys['integrator'])).status).toBe(403);
    const untouched = (await (await api('GET', '/v1/queues/csm:csm-ana/alerts', keys['ana'])).json()) as { alerts: { alertId: string; status: string }[] };
    expect(untouched.alerts.find((alert) => alert.alertId === alertId)?.status).toBe('open');
  });

  it('streams the owner’s queue live, and walks the lifecycle: acknowledge, snooze, resolve with an outcome', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${stack.services.alerting.baseUrl}/v1/queues/csm:csm-ana/stream`, { headers: { authorization: `Bearer ${keys['ana']}` }, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    let received = '';
    const reader = stream.body?.getReader();
    const reading = (async () => {
      for (;;) {
        const chunk = await reader?.read().catch(() => undefined);
        if (!chunk || chunk.done) return;
        received += new TextDecoder().decode(chunk.value);
      }
    })();

    try {
      // Acknowledge until the stream has joined the topic and shows it.
      const acknowledged = await api('POST', `/v1/alerts/${alertId}/acknowledge`, keys['ana']);
      expect(acknowledged.status).toBe(200);
      expect(await acknowledged.json()).toMatchObject({ alertId, status: 'acknowledged' });
      expect((await api('POST', `/v1/alerts/${alertId}/snooze`, keys['ana'], { until: daysAgo(1) })).status).toBe(409);
      expect((await api('POST', `/v1/alerts/${alertId}/snooze`, keys['ana'], { until: 'tomorrow' })).status).toBe(400);
      const snoozed = await api('POST', `/v1/alerts/${alertId}/snooze`, keys['ana'], { until: new Date(Date.now() + 3_600_000).toISOString() });
      expect(await snoozed.json()).toMatchObject({ status: 'snoozed' });
      expect((await api('POST', `/v1/alerts/${alertId}/resolve`, keys['ana'], { outcome: 'fixed' })).status).toBe(400);
      expect((await api('POST', `/v1/alerts/${alertId}/resolve`, keys['ana'], { outcome: 'saved', note: 'x', extra: 1 })).status).toBe(400);
      const resolved = await api('POST', `/v1/alerts/${alertId}/resolve`, keys['ana'], { outcome: 'saved', note: 'Call held; new champion found.' });
      expect(await resolved.json()).toMatchObject({ status: 'resolved', outcome: 'saved', note: 'Call held; new champion found.' });
      expect((await api('POST', `/v1/alerts/${alertId}/resolve`, keys['ana'], { outcome: 'churned' })).status).toBe(409);

      await waitFor(() => received.includes('alert.resolved'), { description: 'the resolution on the live stream', timeoutMs: 20_000 });
      expect(received).toContain(alertId);
      // The same stream carries the incident's steps under their own event names.
      expect(received).toMatch(/event: ?incident\.(acknowledged|snoozed|resolved|updated)/);
      const kinds = (await waitFor(() => {
        const found = stack.records(Topics.alerts, accountId).map((record) => record.value as AlertLifecycleEvent).filter((event) => event.alertId === alertId);
        return found.some((event) => event.kind === 'resolved') ? found : undefined;
      }, { description: 'the lifecycle on the topic' })).map((event) => event.kind);
      expect(kinds).toEqual(expect.arrayContaining(['opened', 'escalated', 'acknowledged', 'snoozed', 'resolved']));
      expect(kinds.filter((kind) => kind === 'opened')).toHaveLength(1);
    } finally {
      controller.abort();
      await reading;
    }
  });
});
