import type { ServiceName } from '@bellwether/testing';

/** Where a route takes input from: path parameters, query parameters, a JSON body. */
export interface ApiRoute {
  readonly service: ServiceName;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify/Nest path template, `:name` for a path parameter (as the controllers declare it). */
  readonly path: string;
  /** Query parameters the route reads (the property test also sends unknown and repeated ones). */
  readonly query: readonly string[];
  /** Body fields the route reads, or null for a route without a body. */
  readonly body: readonly string[] | null;
  /** A Server-Sent Events stream: the test reads only the status and headers. */
  readonly stream?: boolean;
  /** May change or destroy the keys the test itself uses: the property test never sends it a real id. */
  readonly destructive?: boolean;
}

/**
 * Every HTTP route of the four services, in one list: the input property test
 * (e2e/request-inputs.e2e-spec.ts) throws random values at each, and checks this list against the
 * routes the controllers declare, so a new route fails that test until it is added here.
 */
export const apiRoutes: readonly ApiRoute[] = [
  // ingestion
  { service: 'ingestion', method: 'POST', path: '/v1/events', query: [], body: ['events'] },
  { service: 'ingestion', method: 'POST', path: '/v1/batch', query: [], body: ['batch', 'writeKey', 'context'] },
  ...['track', 'identify', 'group', 'page', 'screen', 'alias'].map((type): ApiRoute => ({
    service: 'ingestion',
    method: 'POST',
    path: `/v1/${type}`,
    query: [],
    body: ['userId', 'event', 'traits', 'properties', 'context', 'timestamp', 'messageId', 'groupId'],
  })),
  { service: 'ingestion', method: 'GET', path: '/v1/admin/api-keys', query: [], body: null },
  { service: 'ingestion', method: 'POST', path: '/v1/admin/api-keys', query: [], body: ['name', 'scopes', 'csmId', 'team'] },
  { service: 'ingestion', method: 'POST', path: '/v1/admin/api-keys/:id/rotate', query: [], body: null, destructive: true },
  { service: 'ingestion', method: 'DELETE', path: '/v1/admin/api-keys/:id', query: [], body: null, destructive: true },
  { service: 'ingestion', method: 'GET', path: '/v1/admin/accounts/:id', query: [], body: null },
  { service: 'ingestion', method: 'PATCH', path: '/v1/admin/accounts/:id', query: [], body: ['csmId', 'team', 'tier', 'cacUsd', 'grossMarginPct'], destructive: true },
  { service: 'ingestion', method: 'GET', path: '/v1/admin/directory', query: [], body: null },
  { service: 'ingestion', method: 'GET', path: '/v1/admin/directory/audit', query: ['limit', 'subject'], body: null },
  { service: 'ingestion', method: 'PUT', path: '/v1/admin/directory/teams/:team', query: [], body: ['managers'], destructive: true },
  { service: 'ingestion', method: 'DELETE', path: '/v1/admin/directory/teams/:team', query: [], body: null, destructive: true },
  { service: 'ingestion', method: 'PUT', path: '/v1/admin/directory/csms/:csmId', query: [], body: ['team', 'email'], destructive: true },
  { service: 'ingestion', method: 'DELETE', path: '/v1/admin/directory/csms/:csmId', query: [], body: null, destructive: true },
  { service: 'ingestion', method: 'GET', path: '/openapi.json', query: [], body: null },
  // scoring
  { service: 'scoring', method: 'GET', path: '/v1/accounts/:id', query: [], body: null },
  { service: 'scoring', method: 'GET', path: '/v1/accounts/:id/scores', query: ['from', 'to'], body: null },
  { service: 'scoring', method: 'GET', path: '/v1/admin/scorecards', query: [], body: null },
  { service: 'scoring', method: 'POST', path: '/v1/admin/scorecards', query: [], body: ['version', 'weights', 'bands', 'signals', 'targetWeeklyActiveShare', 'churnModel', 'materialChange', 'minWeightWithData'], destructive: true },
  { service: 'scoring', method: 'POST', path: '/v1/admin/scorecards/validate', query: [], body: ['version', 'weights', 'bands', 'signals', 'targetWeeklyActiveShare', 'churnModel', 'materialChange', 'minWeightWithData'] },
  { service: 'scoring', method: 'POST', path: '/v1/admin/scorecards/rollback', query: [], body: null, destructive: true },
  { service: 'scoring', method: 'GET', path: '/v1/admin/scorecards/:version', query: [], body: null },
  { service: 'scoring', method: 'POST', path: '/v1/admin/scorecards/:version/activate', query: [], body: null, destructive: true },
  { service: 'scoring', method: 'GET', path: '/v1/admin/audit', query: ['limit', 'subject'], body: null },
  { service: 'scoring', method: 'POST', path: '/v1/admin/rescores', query: [], body: null },
  { service: 'scoring', method: 'GET', path: '/v1/admin/rescores/:id', query: [], body: null },
  // alerting
  { service: 'alerting', method: 'GET', path: '/v1/queues/:queue/alerts', query: ['status', 'category', 'rule', 'limit'], body: null },
  { service: 'alerting', method: 'GET', path: '/v1/queues/:queue/stream', query: [], body: null, stream: true },
  { service: 'alerting', method: 'POST', path: '/v1/alerts/:id/acknowledge', query: [], body: [] },
  { service: 'alerting', method: 'POST', path: '/v1/alerts/:id/snooze', query: [], body: ['until'] },
  { service: 'alerting', method: 'POST', path: '/v1/alerts/:id/resolve', query: [], body: ['outcome', 'note'] },
  { service: 'alerting', method: 'GET', path: '/v1/queues/:queue/incidents', query: ['status', 'category', 'limit'], body: null },
  { service: 'alerting', method: 'POST', path: '/v1/incidents/:id/acknowledge', query: [], body: [] },
  { service: 'alerting', method: 'POST', path: '/v1/incidents/:id/snooze', query: [], body: ['until'] },
  { service: 'alerting', method: 'POST', path: '/v1/incidents/:id/resolve', query: [], body: ['outcome', 'note'] },
  { service: 'alerting', method: 'GET', path: '/v1/admin/rule-sets', query: [], body: null },
  { service: 'alerting', method: 'POST', path: '/v1/admin/rule-sets', query: [], body: ['version', 'rules'], destructive: true },
  { service: 'alerting', method: 'POST', path: '/v1/admin/rule-sets/validate', query: [], body: ['version', 'rules'] },
  { service: 'alerting', method: 'POST', path: '/v1/admin/rule-sets/rollback', query: [], body: null, destructive: true },
  { service: 'alerting', method: 'GET', path: '/v1/admin/rule-sets/:version', query: [], body: null },
  { service: 'alerting', method: 'POST', path: '/v1/admin/rule-sets/:version/activate', query: [], body: null, destructive: true },
  { service: 'alerting', method: 'GET', path: '/v1/admin/audit', query: ['limit', 'subject'], body: null },
  // playbook
  { service: 'playbook', method: 'GET', path: '/v1/queues/:queue/tasks', query: ['status'], body: null },
  { service: 'playbook', method: 'POST', path: '/v1/tasks/:id/complete', query: [], body: ['note'] },
  { service: 'playbook', method: 'GET', path: '/v1/portfolio/kpis', query: ['from', 'to', 'segment'], body: null },
  { service: 'playbook', method: 'GET', path: '/v1/admin/playbooks', query: [], body: null },
  { service: 'playbook', method: 'POST', path: '/v1/admin/playbooks', query: [], body: ['version', 'playbooks'], destructive: true },
  { service: 'playbook', method: 'POST', path: '/v1/admin/playbooks/validate', query: [], body: ['version', 'playbooks'] },
  { service: 'playbook', method: 'POST', path: '/v1/admin/playbooks/rollback', query: [], body: null, destructive: true },
  { service: 'playbook', method: 'GET', path: '/v1/admin/playbooks/:version', query: [], body: null },
  { service: 'playbook', method: 'POST', path: '/v1/admin/playbooks/:version/activate', query: [], body: null, destructive: true },
  { service: 'playbook', method: 'GET', path: '/v1/admin/audit', query: ['limit', 'subject'], body: null },
  // every service
  ...(['ingestion', 'scoring', 'alerting', 'playbook'] as const).flatMap((service) =>
    ['/healthz', '/readyz', '/metrics'].map((path): ApiRoute => ({ service, method: 'GET', path, query: [], body: null })),
  ),
];
