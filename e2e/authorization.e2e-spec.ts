import { randomUUID } from 'node:crypto';
import { Topics, type AlertLifecycleEvent } from '@bellwether/contracts';
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
  let taskQueue = 'csm:csm-ana';

  beforeAll(async () => {
    await stack.start();
    keys.ingest = await stack.createKey('ingest');
    keys.integrator = await stack.createKey('integrator');
    keys.otherCsm = await stack.createKey('csm', ['--csm-id', 'csm-zed', '--team', 'apac']);
    keys.csm = await stack.createKey('csm', ['--csm-id', 'csm-ana', '--team', 'emea']);
    keys.manager = await stack.createKey('manager', ['--team', 'emea']);
    keys.admin = await stack.createKey('admin');
    const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId, userId: 'u1', timestamp, properties });
    const posted = await stack.post(
      '/v1/events',
      {
        events: [
          event('subscription.changed', daysAgo(100), { seats: 10, mrr: 4000, startDate: daysAgo(300) }),
          event('account.updated', daysAgo(100), { traits: { csmId: 'csm-ana' } }),
          ...Array.from({ length: 5 }, (_, n) => event('support.ticket_opened', daysAgo(1), { ticketId: `t${n}`, topic: 'x' })),
          event('billing.payment_failed', daysAgo(1)),
          event('nps.responded', daysAgo(1), { score: 1 }),
        ],
      },
      { authorization: `Bearer ${keys.ingest}` },
    );
    expect(posted.status).toBe(202);
    alertId = ((await stack.waitForRecord(Topics.alerts, 'an alert', (value) => value['accountId'] === accountId && value['kind'] === 'opened')).value as AlertLifecycleEvent).alertId;
    await stack.waitForRecord(Topics.playbookRuns, 'a task', (value) => value['accountId'] === accountId && value['kind'] === 'task.created');
    taskQueue = 'csm:csm-ana';
    // Keys reach scoring, alerting and playbook over bellwether.api-keys.v1.
    for (const service of [stack.services.scoring, stack.services.alerting, stack.services.playbook]) {
      for (const key of Object.values(keys)) {
        await waitFor(async () => (await fetch(`${service.baseUrl}/v1/queues/csm:nobody/alerts`, { headers: { authorization: `Bearer ${key}` } })).status !== 401, {
          description: `keys to reach ${service.name}`,
        });
      }
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
    ['GET /v1/accounts/{id}/scores', call(scoring, 'GET', () => `/v1/accounts/${accountId}/scores`), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/queues/{csm}/alerts', call(alerting, 'GET', () => '/v1/queues/csm:csm-ana/alerts'), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/queues/{manager}/alerts', call(alerting, 'GET', () => '/v1/queues/manager:emea/alerts'), [401, 403, 200, 404, 404, 200, 200]],
    ['POST /v1/alerts/{id}/acknowledge', call(alerting, 'POST', () => `/v1/alerts/${alertId}/acknowledge`), [401, 403, 403, 404, 200, 200, 200]],
    ['GET /v1/queues/{csm}/tasks', call(playbook, 'GET', () => `/v1/queues/${taskQueue}/tasks`), [401, 403, 200, 404, 200, 200, 200]],
    ['GET /v1/portfolio/kpis', call(playbook, 'GET', () => '/v1/portfolio/kpis'), [401, 403, 200, 403, 403, 200, 200]],
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
