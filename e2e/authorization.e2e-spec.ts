import { randomUUID } from 'node:crypto';
import { defaultRuleSet } from '@bellwether/alerting-domain';
import { Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent } from '@bellwether/contracts';
import { builtInPlaybooks } from '@bellwether/playbook-domain';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

type Role = 'none' | 'ingest' | 'integrator' | 'otherCsm' | 'csm' | 'manager' | 'admin';
const roles: Role[] = ['none', 'ingest', 'integrator', 'otherCsm', 'csm', 'manager', 'admin'];

const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

/**
 * Every endpoint × every role → the expected status (issue 8). "otherCsm" owns another book.
 * Only /healthz, /readyz, /metrics and /openapi.json answer without a key.
 */
describe('authorization matrix', () => {
  const stack = new Stack(4800);
  const keys: Partial<Record<Role, string>> = {};
  const accountId = `authz-${randomUUID()}`;
  let alertId = '';
  let incidentId = '';
  let taskQueue = 'csm:csm-ana';

  beforeAll(async () => {
    await stack.start();
    keys.ingest = await stack.createKey('ingest');
    keys.integrator = await stack.createKey('integrator');
    keys.otherCsm = await stack.createKey('csm', ['--csm-id', 'csm-zed']);
    keys.csm = await stack.createKey('csm', ['--csm-id', 'csm-ana']);
    keys.manager = await stack.createKey('manager', ['--team', 'emea']);
    keys.admin = await stack.createKey('admin');
    // Team membership is directory data (issue 13), not something keys carry.
    await stack.putDirectory(keys.admin, { emea: ['csm-ana'], apac: ['csm-zed'] });
    const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId, userId: 'u1', timestamp, properties });
    const posted = await stack.post(
      '/v1/events',
      {
        events: [
          event('subscription.changed', daysAgo(1), { seats: 10, mrr: 4000, startDate: daysAgo(300) }),
          // Ownership from a trusted source: the admin key (an ingest key's csmId would be ignored).
          event('account.updated', daysAgo(1), { traits: { csmId: 'csm-ana' } }),
          ...Array.from({ length: 5 }, (_, n) => event('support.ticket_opened', daysAgo(1), { ticketId: `t${n}`, topic: 'x' })),
          event('billing.payment_failed', daysAgo(1)),
          event('nps.responded', daysAgo(1), { score: 1 }),
        ],
      },
      { authorization: `Bearer ${keys.admin}` },
    );
    expect(posted.status).toBe(202);
    alertId = ((await stack.waitForRecord(Topics.alerts, 'an alert', (value) => value['accountId'] === accountId && value['kind'] === 'opened')).value as AlertLifecycleEvent).alertId;
    incidentId = ((await stack.waitForRecord(Topics.incidents, 'an incident', (value) => value['accountId'] === accountId && value['kind'] === 'opened')).value as IncidentLifecycleEvent).incidentId;
    await stack.waitForRecord(Topics.playbookRuns, 'a task', (value) => value['accountId'] === accountId && value['kind'] === 'task.created');
    taskQueue = 'csm:csm-ana';
    // Keys reach scoring, alerting and playbook over bellwether.api-keys.v1.
    for (const service of [stack.services.scoring, stack.services.alerting, stack.services.playbook]) {
      for (const key of Object.values(keys)) {
        await waitFor(async () => (await fetch(`${service.baseUrl}/v1/queues/csm:nobody/alerts`, { headers: { authorization: `Bearer ${key}` } })).status !== 401, {
          description: `keys to reach ${service.name}`,
        });
      }
      // The directory reaches them over bellwether.directory.v1: the manager sees csm-ana's book once it has.
      const teamView = { scoring: `/v1/accounts/${accountId}`, alerting: '/v1/queues/csm:csm-ana/alerts', playbook: '/v1/queues/csm:csm-ana/tasks' }[service.name as 'scoring'];
      await waitFor(async () => (await fetch(`${service.baseUrl}${teamView}`, { headers: { authorization: `Bearer ${keys.manager}` } })).status === 200, {
        description: `the directory to reach ${service.name}`,
      });
    }
  });

  afterAll(async () => {
    await stack.stop();
  });

  const call = (base: () => string, method: string, path: () => string, body?: () => unknown) => async (role: Role) => {
    const key = keys[role];
    const response = await fetch(`${base()}${path()}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body()) : undefined,
    });
    await response.arrayBuffer();
    return response.status;
  };
  const ingestion = () => stack.services.ingestion.baseUrl;
  const scoring = () => stack.services.scoring.baseUrl;
  const alerting = () => stack.services.alerting.baseUrl;
  const playbook = () => stack.services.playbook.baseUrl;
  const oneEvent = () => ({ events: [{ id: `evt_${randomUUID()}`, type: 'session.started', accountId: `authz-probe-${randomUUID()}`, timestamp: daysAgo(0) }] });

  //                                                           none ingest integrator otherCsm csm  manager admin
  const matrix: [string, (role: Role) => Promise<number>, number[]][] = [
    ['POST /v1/events', call(ingestion, 'POST', () => '/v1/events', oneEvent), [401, 202, 403, 403, 403, 403, 202]],
    ['POST /v1/track', call(ingestion, 'POST', () => '/v1/track', () => ({ userId: 'u', event: 'Logged In', context: { groupId: 'authz-probe' } })), [401, 200, 403, 403, 403, 403, 200]],
    ['GET /v1/admin/api-keys', call(ingestion, 'GET', () => '/v1/admin/api-keys'), [401, 403, 403, 403, 403, 403, 200]],
    ['GET /v1/accounts/{id}', call(scoring, 'GET', () => `/v1/accounts/${accountId}`), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/admin/scorecards', call(scoring, 'GET', () => '/v1/admin/scorecards'), [401, 403, 403, 403, 403, 403, 200]],
    ['GET /v1/admin/scorecards/{version}', call(scoring, 'GET', () => '/v1/admin/scorecards/authz-none'), [401, 403, 403, 403, 403, 403, 404]],
    ['POST /v1/admin/scorecards/validate', call(scoring, 'POST', () => '/v1/admin/scorecards/validate', () => ({ version: 'authz-check' })), [401, 403, 403, 403, 403, 403, 200]],
    // A body refused by validation: the admin's 400 shows the key passed, and nothing is stored for any role.
    ['POST /v1/admin/scorecards', call(scoring, 'POST', () => '/v1/admin/scorecards', () => ({ version: 'authz-bad', weights: { billing: -1 } })), [401, 403, 403, 403, 403, 403, 400]],
    ['POST /v1/admin/scorecards/{version}/activate', call(scoring, 'POST', () => '/v1/admin/scorecards/authz-none/activate'), [401, 403, 403, 403, 403, 403, 404]],
    ['POST /v1/admin/scorecards/rollback', call(scoring, 'POST', () => '/v1/admin/scorecards/rollback'), [401, 403, 403, 403, 403, 403, 409]],
    ['POST /v1/admin/rescores', call(scoring, 'POST', () => '/v1/admin/rescores'), [401, 403, 403, 403, 403, 403, 202]],
    ['GET /v1/admin/rescores/{id}', call(scoring, 'GET', () => '/v1/admin/rescores/999999'), [401, 403, 403, 403, 403, 403, 404]],
    ['GET /v1/admin/audit (scoring)', call(scoring, 'GET', () => '/v1/admin/audit'), [401, 403, 403, 403, 403, 403, 200]],
    ['GET /v1/accounts/{id}/scores', call(scoring, 'GET', () => `/v1/accounts/${accountId}/scores`), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/queues/{csm}/alerts', call(alerting, 'GET', () => '/v1/queues/csm:csm-ana/alerts'), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/queues/{manager}/alerts', call(alerting, 'GET', () => '/v1/queues/manager:emea/alerts'), [401, 403, 200, 404, 404, 200, 200]],
    ['POST /v1/alerts/{id}/acknowledge', call(alerting, 'POST', () => `/v1/alerts/${alertId}/acknowledge`), [401, 403, 403, 404, 200, 200, 200]],
    ['GET /v1/queues/{csm}/incidents', call(alerting, 'GET', () => '/v1/queues/csm:csm-ana/incidents'), [401, 403, 200, 404, 200, 200, 200]],
    ['POST /v1/incidents/{id}/acknowledge', call(alerting, 'POST', () => `/v1/incidents/${incidentId}/acknowledge`), [401, 403, 403, 404, 200, 200, 200]],
    ['GET /v1/admin/rule-sets', call(alerting, 'GET', () => '/v1/admin/rule-sets'), [401, 403, 403, 403, 403, 403, 200]],
    ['GET /v1/admin/rule-sets/{version}', call(alerting, 'GET', () => '/v1/admin/rule-sets/authz-none'), [401, 403, 403, 403, 403, 403, 404]],
    ['POST /v1/admin/rule-sets/validate', call(alerting, 'POST', () => '/v1/admin/rule-sets/validate', () => defaultRuleSet), [401, 403, 403, 403, 403, 403, 200]],
    // A body refused by validation: the admin's 400 shows the key passed, and nothing is stored for any role.
    ['POST /v1/admin/rule-sets', call(alerting, 'POST', () => '/v1/admin/rule-sets', () => ({ version: 'authz-bad', rules: [] })), [401, 403, 403, 403, 403, 403, 400]],
    ['POST /v1/admin/rule-sets/{version}/activate', call(alerting, 'POST', () => '/v1/admin/rule-sets/authz-none/activate'), [401, 403, 403, 403, 403, 403, 404]],
    ['POST /v1/admin/rule-sets/rollback', call(alerting, 'POST', () => '/v1/admin/rule-sets/rollback'), [401, 403, 403, 403, 403, 403, 409]],
    ['GET /v1/admin/audit (alerting)', call(alerting, 'GET', () => '/v1/admin/audit'), [401, 403, 403, 403, 403, 403, 200]],
    ['GET /v1/queues/{csm}/tasks', call(playbook, 'GET', () => `/v1/queues/${taskQueue}/tasks`), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/portfolio/kpis', call(playbook, 'GET', () => '/v1/portfolio/kpis'), [401, 403, 200, 403, 403, 200, 200]],
    ['GET /v1/admin/playbooks', call(playbook, 'GET', () => '/v1/admin/playbooks'), [401, 403, 403, 403, 403, 403, 200]],
    ['GET /v1/admin/playbooks/{version}', call(playbook, 'GET', () => '/v1/admin/playbooks/authz-none'), [401, 403, 403, 403, 403, 403, 404]],
    ['POST /v1/admin/playbooks/validate', call(playbook, 'POST', () => '/v1/admin/playbooks/validate', () => ({ version: 'authz-check', playbooks: builtInPlaybooks })), [401, 403, 403, 403, 403, 403, 200]],
    // A body refused by validation: the admin's 400 shows the key passed, and nothing is stored for any role.
    ['POST /v1/admin/playbooks', call(playbook, 'POST', () => '/v1/admin/playbooks', () => ({ version: 'authz-bad', playbooks: [] })), [401, 403, 403, 403, 403, 403, 400]],
    ['POST /v1/admin/playbooks/{version}/activate', call(playbook, 'POST', () => '/v1/admin/playbooks/authz-none/activate'), [401, 403, 403, 403, 403, 403, 404]],
    ['POST /v1/admin/playbooks/rollback', call(playbook, 'POST', () => '/v1/admin/playbooks/rollback'), [401, 403, 403, 403, 403, 403, 409]],
    ['GET /v1/admin/audit (playbook)', call(playbook, 'GET', () => '/v1/admin/audit'), [401, 403, 403, 403, 403, 403, 200]],
  ];

  it.each(matrix)('%s', async (_, request, expected) => {
    const actual: Record<string, number> = {};
    for (const role of roles) actual[role] = await request(role);
    expect(actual).toEqual(Object.fromEntries(roles.map((role, index) => [role, expected[index]])));
  });

  it('answers without a key only on health, readiness, metrics and the OpenAPI document', async () => {
    for (const service of Object.values(stack.services)) {
      for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${service.baseUrl}${path}`)).status).toBe(200);
    }
    expect((await fetch(`${ingestion()}/openapi.json`)).status).toBe(200);
  });
});

/** A live SSE stream read in the background: everything received so far, and whether it ended. */
interface LiveStream {
  readonly status: number;
  readonly headers: Headers;
  text: string;
  ended: boolean;
  close(): void;
}

async function openStream(url: string, key: string): Promise<LiveStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
  const stream: LiveStream = { status: response.status, headers: response.headers, text: '', ended: false, close: () => controller.abort() };
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        stream.text += decoder.decode(chunk.value, { stream: true });
      }
    } catch {
      // Aborted by the test.
    }
    stream.ended = true;
  })();
  return stream;
}

/**
 * Issue 13 §Access 3 and §Limits: a live stream ends when its key is revoked or rotated, a key
 * holds a bounded number of streams, and every service sends the security headers.
 */
describe('authorization matrix: live streams and security headers', () => {
  // Periodic re-checks every 300 s: within the deadlines below only the change notification of
  // the key ring can end a stream.
  const stack = new Stack(4840, { alerting: { STREAM_ACCESS_CHECK_SECONDS: '300', MAX_STREAMS_PER_KEY: '2' } });
  const keys: Record<string, string> = {};
  const opened: LiveStream[] = [];
  const alerting = () => stack.services.alerting.baseUrl;
  const streamUrl = (queue: string) => `${alerting()}/v1/queues/${queue}/stream`;
  const keyId = (key: string) => key.split('_')[1] ?? '';
  const open = async (queue: string, key: string) => {
    const stream = await openStream(streamUrl(queue), key);
    opened.push(stream);
    return stream;
  };
  const reachesAlerting = (key: string) =>
    waitFor(async () => (await fetch(`${alerting()}/v1/queues/csm:nobody/alerts`, { headers: { authorization: `Bearer ${key}` } })).status !== 401, {
      description: 'the key to reach alerting',
    });
  const endedByRevocation = (stream: LiveStream, what: string) =>
    waitFor(() => stream.ended && stream.text.includes('event: access.revoked'), { description: `${what} to end the stream with access.revoked`, timeoutMs: 15_000 });

  beforeAll(async () => {
    await stack.start();
    keys['admin'] = await stack.createKey('admin');
    keys['csm'] = await stack.createKey('csm', ['--csm-id', 'csm-cut']);
    keys['rotated'] = await stack.createKey('csm', ['--csm-id', 'csm-rot']);
    keys['integrator'] = await stack.createKey('integrator');
    for (const key of Object.values(keys)) await reachesAlerting(key);
  });

  afterAll(async () => {
    for (const stream of opened) stream.close();
    await stack.stop();
  });

  it('a stream cut off by revocation: it delivers alerts, then ends on revoke and delivers nothing after', async () => {
    const stream = await open('csm:csm-cut', keys['csm'] as string);
    expect(stream.status).toBe(200);
    const accountId = `authz-stream-${randomUUID()}`;
    const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId, userId: 'u1', timestamp, properties });
    // The owner comes from a trusted source: a key with accounts:write (a CRM sync).
    const ingestKey = await stack.createKey('ingest,accounts:write');
    const posted = await stack.post(
      '/v1/events',
      {
        events: [
          event('subscription.changed', daysAgo(1), { seats: 10, mrr: 4000, startDate: daysAgo(300) }),
          event('account.updated', daysAgo(1), { traits: { csmId: 'csm-cut' } }),
          ...Array.from({ length: 5 }, (_, n) => event('support.ticket_opened', daysAgo(1), { ticketId: `t${n}`, topic: 'x' })),
          event('billing.payment_failed', daysAgo(1)),
          event('nps.responded', daysAgo(1), { score: 1 }),
        ],
      },
      { authorization: `Bearer ${ingestKey}` },
    );
    expect(posted.status).toBe(202);
    await waitFor(() => stream.text.includes(accountId), { description: 'the alert on the live stream', timeoutMs: 60_000 });

    await stack.revokeKey(keys['csm'] as string);
    await endedByRevocation(stream, 'the revocation');
    // The revocation event is the last thing the stream carried.
    const afterRevocation = stream.text.slice(stream.text.lastIndexOf('event: access.revoked'));
    expect(afterRevocation.split('\n\n').filter((block) => block.trim() !== '')).toHaveLength(1);
    const again = await fetch(streamUrl('csm:csm-cut'), { headers: { authorization: `Bearer ${keys['csm']}` } });
    expect(again.status).toBe(401);
  });

  it('a stream cut off by rotation: the old secret’s stream ends, the new secret may stream', async () => {
    const stream = await open('csm:csm-rot', keys['rotated'] as string);
    expect(stream.status).toBe(200);
    const rotation = await fetch(`${stack.services.ingestion.baseUrl}/v1/admin/api-keys/${keyId(keys['rotated'] as string)}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['admin']}` },
    });
    expect(rotation.status).toBe(200);
    const rotated = ((await rotation.json()) as { key: string }).key;
    await endedByRevocation(stream, 'the rotation');
    await reachesAlerting(rotated);
    const renewed = await open('csm:csm-rot', rotated);
    expect(renewed.status).toBe(200);
  });

  it('caps the streams one key holds open (MAX_STREAMS_PER_KEY) and frees a place when one closes', async () => {
    const key = keys['integrator'] as string;
    const first = await open('csm:anyone', key);
    const second = await open('team:smb', key);
    expect([first.status, second.status]).toEqual([200, 200]);
    const refused = await fetch(streamUrl('csm:anyone'), { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain('MAX_STREAMS_PER_KEY');
    // Another key is not held back by this one's streams.
    const other = await open('csm:anyone', keys['admin'] as string);
    expect(other.status).toBe(200);
    const metrics = await (await fetch(`${alerting()}/metrics`)).text();
    expect(Number(/^bellwether_open_streams(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);

    first.close();
    const third = await waitFor(
      async () => {
        const attempt = await openStream(streamUrl('csm:anyone'), key);
        opened.push(attempt);
        return attempt.status === 200 ? attempt : false;
      },
      { description: 'a place to free once a stream closed' },
    );
    expect(third.status).toBe(200);
  });

  it('sends X-Content-Type-Options: nosniff and Cache-Control: no-store on every service', async () => {
    const admin = { authorization: `Bearer ${keys['admin']}` };
    const routes: [string, string][] = [
      [stack.services.ingestion.baseUrl, '/v1/admin/api-keys'],
      [stack.services.scoring.baseUrl, '/v1/accounts/authz-none'],
      [alerting(), '/v1/queues/csm:nobody/alerts'],
      [stack.services.playbook.baseUrl, '/v1/portfolio/kpis'],
    ];
    for (const [base, path] of routes) {
      const response = await fetch(`${base}${path}`, { headers: admin });
      await response.arrayBuffer();
      expect({ path, nosniff: response.headers.get('x-content-type-options'), cache: response.headers.get('cache-control') }).toEqual({ path, nosniff: 'nosniff', cache: 'no-store' });
    }
    const refused = await fetch(`${alerting()}/v1/queues/csm:nobody/alerts`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    const stream = await open('csm:nobody', keys['admin'] as string);
    expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

/**
 * Issue 13, access: ownership only from trusted sources, and team membership from the directory,
 * never from keys. Own stack, so the views it changes never touch the matrix above.
 */
describe('authorization matrix: ownership and the directory', () => {
  const stack = new Stack(4900);
  let admin = '';
  let ingest = '';
  let crmSync = '';
  let integrator = '';
  const managers: Record<'emea' | 'apac', string> = { emea: '', apac: '' };
  const run = randomUUID().slice(0, 8);
  const anaAccount = `own-ana-${run}`;
  const zedAccount = `own-zed-${run}`;
  const zedCsm = `csm-zed-${run}`;

  const get = (base: string, path: string, key: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const scoringStatus = async (accountId: string, key: string) => (await get(stack.services.scoring.baseUrl, `/v1/accounts/${accountId}`, key)).status;
  const attributesOf = async (accountId: string): Promise<Record<string, unknown>> => {
    const response = await get(stack.services.scoring.baseUrl, `/v1/accounts/${accountId}`, integrator);
    return response.status === 200 ? ((await response.json()) as { attributes: Record<string, unknown> }).attributes : {};
  };
  /** What each manager may open of a CSM's book: the account (scoring), the alert and task queues. */
  const viewOf = async (manager: string, csmId: string, accountId: string) => ({
    account: await scoringStatus(accountId, manager),
    alerts: (await get(stack.services.alerting.baseUrl, `/v1/queues/csm:${csmId}/alerts`, manager)).status,
    tasks: (await get(stack.services.playbook.baseUrl, `/v1/queues/csm:${csmId}/tasks`, manager)).status,
  });
  const seen = { account: 200, alerts: 200, tasks: 200 };
  const hidden = { account: 404, alerts: 404, tasks: 404 };
  const ignoredOwnership = async (): Promise<number> => {
    const text = await (await fetch(`${stack.services.ingestion.baseUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('bellwether_ingest_ownership_changes_ignored_total'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    await stack.start();
    admin = await stack.createKey('admin');
    ingest = await stack.createKey('ingest');
    crmSync = await stack.createKey('ingest,accounts:write');
    integrator = await stack.createKey('integrator');
    managers.emea = await stack.createKey('manager', ['--team', 'emea']);
    managers.apac = await stack.createKey('manager', ['--team', 'apac']);
    await stack.putDirectory(admin, { emea: ['csm-ana'], apac: [zedCsm] });
    // Two accounts with telemetry, owned through the admin API: ana's (emea) and zed's (apac).
    for (const [accountId, csmId] of [
      [anaAccount, 'csm-ana'],
      [zedAccount, zedCsm],
    ] as const) {
      const posted = await stack.post(
        '/v1/events',
        { events: [{ id: `evt_${randomUUID()}`, type: 'subscription.changed', accountId, timestamp: daysAgo(3), properties: { plan: 'pro', seats: 5, mrr: 1000 } }] },
        { authorization: `Bearer ${ingest}` },
      );
      expect(posted.status).toBe(202);
      const patched = await stack.send('PATCH', `/v1/admin/accounts/${accountId}`, admin, { csmId });
      expect(patched.status).toBe(200);
    }
    await waitFor(async () => (await attributesOf(anaAccount))['csmId'] === 'csm-ana' && (await attributesOf(zedAccount))['csmId'] === zedCsm, { description: 'admin-set owners to reach scoring' });
    await waitFor(async () => (await scoringStatus(anaAccount, managers.emea)) === 200 && (await scoringStatus(zedAccount, managers.apac)) === 200, { description: 'keys and directory to reach scoring' });
    for (const [manager, csmId] of [
      [managers.emea, 'csm-ana'],
      [managers.apac, zedCsm],
    ] as const) {
      for (const [base, path] of [
        [stack.services.alerting.baseUrl, `/v1/queues/csm:${csmId}/alerts`],
        [stack.services.playbook.baseUrl, `/v1/queues/csm:${csmId}/tasks`],
      ] as const) {
        await waitFor(async () => (await get(base, path, manager)).status === 200, { description: `the directory to reach ${base}` });
      }
    }
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('an ingest key cannot move an account: the csmId is ignored, warned and counted, the other traits apply', async () => {
    const before = await ignoredOwnership();
    const group = await stack.post('/v1/group', { userId: `u-${run}`, groupId: anaAccount, traits: { csmId: zedCsm, team: 'apac', plan: 'enterprise' } }, { authorization: `Bearer ${ingest}` });
    expect(group.status).toBe(200);
    const answer = (await group.json()) as { warnings?: { path: string }[] };
    expect(answer.warnings?.map((warning) => warning.path)).toEqual(['properties.traits.csmId', 'properties.traits.team']);
    const native = await stack.post(
      '/v1/events',
      { events: [{ id: `evt_${randomUUID()}`, type: 'account.updated', accountId: anaAccount, timestamp: daysAgo(0), properties: { traits: { csmId: zedCsm, seats: 7 } } }] },
      { authorization: `Bearer ${ingest}` },
    );
    expect(native.status).toBe(202);
    expect(((await native.json()) as { warnings?: { index?: number; path: string }[] }).warnings).toEqual([expect.objectContaining({ index: 0, path: 'properties.traits.csmId' })]);
    expect(await ignoredOwnership()).toBe(before + 3);
    // Both events were processed (their other traits applied) and the owner stayed.
    const attributes = await waitFor(
      async () => {
        const current = await attributesOf(anaAccount);
        return current['plan'] === 'enterprise' && current['seats'] === 7 ? current : undefined;
      },
      { description: 'the telemetry traits to reach scoring' },
    );
    expect(attributes['csmId']).toBe('csm-ana');
    expect(await viewOf(managers.emea, 'csm-ana', anaAccount)).toEqual(seen);
    expect(await scoringStatus(anaAccount, managers.apac)).toBe(404);
  });

  it('a key with accounts:write (a CRM sync) moves an account to another book', async () => {
    const group = await stack.post('/v1/group', { userId: `crm-${run}`, groupId: anaAccount, traits: { csmId: zedCsm } }, { authorization: `Bearer ${crmSync}` });
    expect(group.status).toBe(200);
    expect(((await group.json()) as { warnings?: unknown[] }).warnings).toBeUndefined();
    await waitFor(async () => (await attributesOf(anaAccount))['csmId'] === zedCsm, { description: 'the CRM owner to reach scoring' });
    expect(await scoringStatus(anaAccount, managers.apac)).toBe(200);
    expect(await scoringStatus(anaAccount, managers.emea)).toBe(404);
  });

  it('the admin API moves an account back, reads it back and audits who did it', async () => {
    const patched = await stack.send('PATCH', `/v1/admin/accounts/${anaAccount}`, admin, { csmId: 'csm-ana', tier: 'enterprise' });
    expect(patched.status).toBe(200);
    await waitFor(async () => (await attributesOf(anaAccount))['csmId'] === 'csm-ana', { description: 'the admin owner to reach scoring' });
    expect(await attributesOf(anaAccount)).toMatchObject({ csmId: 'csm-ana', tier: 'enterprise' });
    expect(await scoringStatus(anaAccount, managers.emea)).toBe(200);
    expect(await scoringStatus(anaAccount, managers.apac)).toBe(404);
    expect(await (await stack.send('GET', `/v1/admin/accounts/${anaAccount}`, admin)).json()).toMatchObject({ accountId: anaAccount, csmId: 'csm-ana', tier: 'enterprise' });
    const audit = (await (await stack.send('GET', `/v1/admin/directory/audit?subject=account:${anaAccount}`, admin)).json()) as { entries: { action: string; actorKeyId: string; after: unknown }[] };
    expect(audit.entries[0]).toMatchObject({ action: 'account.ownership.patch', actorKeyId: admin.split('_')[1], after: { csmId: 'csm-ana', tier: 'enterprise' } });
    // Only an admin may.
    expect((await stack.send('PATCH', `/v1/admin/accounts/${anaAccount}`, crmSync, { csmId: zedCsm })).status).toBe(403);
  });

  it('refuses a key with a stray csmId or team, and the manager’s view stays as it was', async () => {
    const stray = await stack.send('POST', '/v1/admin/api-keys', admin, { name: 'stray', scopes: ['ingest'], csmId: zedCsm, team: 'emea' });
    expect(stray.status).toBe(400);
    expect(((await stray.json()) as { errors: { path: string }[] }).errors.map((error) => error.path)).toEqual(['csmId', 'team']);
    const csmWithTeam = await stack.send('POST', '/v1/admin/api-keys', admin, { name: 'csm-in-team', scopes: ['csm'], csmId: zedCsm, team: 'emea' });
    expect(csmWithTeam.status).toBe(400);
    const keys = (await (await stack.send('GET', '/v1/admin/api-keys', admin)).json()) as { keys: { name: string }[] };
    expect(keys.keys.map((key) => key.name)).not.toEqual(expect.arrayContaining(['stray']));
    expect(await viewOf(managers.emea, zedCsm, zedAccount)).toEqual(hidden);
    expect(await viewOf(managers.apac, zedCsm, zedAccount)).toEqual(seen);
  });

  it('moving a CSM to another team in the directory moves their book between the managers’ views', async () => {
    const moved = await stack.send('PUT', `/v1/admin/directory/csms/${zedCsm}`, admin, { team: 'emea' });
    expect(moved.status).toBe(200);
    await waitFor(async () => JSON.stringify(await viewOf(managers.emea, zedCsm, zedAccount)) === JSON.stringify(seen), { description: 'emea’s manager to see the moved CSM’s book' });
    expect(await viewOf(managers.apac, zedCsm, zedAccount)).toEqual(hidden);
    const audit = (await (await stack.send('GET', `/v1/admin/directory/audit?subject=csm:${zedCsm}`, admin)).json()) as { entries: { action: string; before: unknown; after: unknown }[] };
    expect(audit.entries[0]).toMatchObject({ action: 'directory.csm.put', before: { team: 'apac' }, after: { team: 'emea' } });
  });
});
