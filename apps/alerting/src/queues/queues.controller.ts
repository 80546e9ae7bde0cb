import { Controller, Inject, Req, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AlertOutcome } from '@bellwether/contracts';
import { acknowledge, resolve, snooze } from '@bellwether/alerting-domain';
import {
  AccessChanges,
  ApiKeyGuard,
  ApiKeyRing,
  DirectoryRing,
  keyFromAuthorization,
  mayUseQueue,
  RateLimitClass,
  RateLimitGuard,
  whileAccessAllowed,
  type AuthenticatedRequest,
  type Principal,
  type QueueRight,
} from '@bellwether/auth';
import { parseRequestTime, RequestRejected, pathIdParams, requestSchemas, SERVICE_DATA_SOURCE, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import { finalize, interval, merge, type Observable } from 'rxjs';
import { AlertRepository, type StoredAlert } from '../alerts/alert.repository';
import { AlertingEnv } from '../alerting.env';
import { IncidentRepository, type StoredIncident } from '../incidents/incident.repository';
import { AlertStream, type StreamMessage } from './alert-stream';
import { OpenStreams } from './open-streams';
import { QueueActionsService, type QueueAction, type QueueActor } from './queue-actions.service';
import { QueueActionRoute, QueueListRoute, QueueStreamRoute } from './queue-route.decorators';

const statuses = ['open', 'acknowledged', 'snoozed', 'resolved'] as const;
const outcomes: readonly AlertOutcome[] = ['saved', 'churned', 'expanded', 'not_actionable'];
const QUEUE = /^(csm|team|manager):[A-Za-z0-9_.-]{1,100}$/;

const queueParams = pathIdParams('queue');
const alertParams = pathIdParams('id');
const noQuery = requestSchemas.nothing;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', pattern: `^(${statuses.join('|')})(,(${statuses.join('|')}))*$`, maxLength: 100 },
    category: { enum: ['risk', 'expansion'] },
    rule: { type: 'string', minLength: 1, maxLength: 100 },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  },
};
const incidentListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: listQuery.properties.status, category: listQuery.properties.category, limit: listQuery.properties.limit },
};
const emptyBody = requestSchemas.nothing;
const snoozeBody = { type: 'object', required: ['until'], additionalProperties: false, properties: { until: requestSchemas.instant } };
const resolveBody = { type: 'object', required: ['outcome'], additionalProperties: false, properties: { outcome: { enum: outcomes }, note: requestSchemas.note } };

interface ListQuery {
  readonly status?: string;
  readonly category?: string;
  readonly rule?: string;
  readonly limit?: number;
}

/** CSM queues: list priority first, act on alerts, follow a queue live (contracts.md). */
@Controller('v1')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('read')
export class QueuesController {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly ring: ApiKeyRing,
    private readonly directory: DirectoryRing,
    private readonly stream: AlertStream,
    private readonly accessChanges: AccessChanges,
    private readonly openStreams: OpenStreams,
    private readonly env: AlertingEnv,
    private readonly repository: AlertRepository,
    private readonly incidents: IncidentRepository,
    private readonly actions: QueueActionsService,
  ) {}

  @QueueListRoute('queues/:queue/alerts')
  async list(
    @ValidParams(queueParams) { queue }: { queue: string },
    @ValidQuery(listQuery) query: ListQuery,
    @Req() request: AuthenticatedRequest,
  ): Promise<{ queue: string; alerts: unknown[] }> {
    this.checkQueue(request.principal, queue, 'read');
    const wanted = (query.status ?? 'open').split(',');
    const alerts = await this.repository.listQueue(this.dataSource.manager, queue, { statuses: wanted, category: query.category, rule: query.rule, limit: query.limit ?? 100 });
    return { queue, alerts: alerts.map(present) };
  }

  /**
   * A queue's incidents, priority first: one risk incident and one expansion opportunity per
   * account, each listing its rules with their evidence (same query as the alert list, without
   * `rule`).
   */
  @QueueListRoute('queues/:queue/incidents')
  async listIncidents(
    @ValidParams(queueParams) { queue }: { queue: string },
    @ValidQuery(incidentListQuery) query: Omit<ListQuery, 'rule'>,
    @Req() request: AuthenticatedRequest,
  ): Promise<{ queue: string; incidents: unknown[] }> {
    this.checkQueue(request.principal, queue, 'read');
    const wanted = (query.status ?? 'open').split(',');
    const incidents = await this.incidents.listQueue(this.dataSource.manager, queue, { statuses: wanted, category: query.category, limit: query.limit ?? 100 });
    return { queue, incidents: incidents.map(presentIncident) };
  }

  @QueueStreamRoute('queues/:queue/stream')
  follow(@ValidParams(queueParams) { queue }: { queue: string }, @ValidQuery(noQuery) _query: object, @Req() request: AuthenticatedRequest): Observable<StreamMessage> {
    this.checkQueue(request.principal, queue, 'read');
    const keyId = request.principal?.keyId ?? '';
    const release = this.openStreams.open(keyId);
    if (!release) {
      throw new RequestRejected(429, [{ path: 'authorization', message: `this API key already holds ${this.env.MAX_STREAMS_PER_KEY} open streams (MAX_STREAMS_PER_KEY); close one first` }]);
    }
    // The same rule as at connect, on the key's current record: a revoke or rotate (the secret
    // no longer matches) or a change of the access data ends the stream.
    const presented = keyFromAuthorization(request.headers.authorization) ?? '';
    const stillAllowed = (): boolean => {
      const principal = this.ring.principalFor(presented);
      return principal !== null && this.mayUse(principal, queue, 'read');
    };
    const ended: StreamMessage = { type: 'access.revoked', data: { queue, message: 'the API key was revoked or rotated, or may no longer see this queue' } };
    const triggers = merge(this.accessChanges.accessChanged$, interval(this.env.STREAM_ACCESS_CHECK_SECONDS * 1000));
    return whileAccessAllowed(this.stream.forQueue(queue), { stillAllowed, triggers, ended }).pipe(finalize(release));
  }

  @QueueActionRoute('alerts/:id/acknowledge')
  async acknowledge(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(emptyBody) _body: object, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return present(await this.actions.actOnAlert(id, this.actorOf(request), { kind: 'acknowledged', transition: (alert, now) => acknowledge(alert, now), acknowledged: true }));
  }

  @QueueActionRoute('alerts/:id/snooze')
  async snooze(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(snoozeBody) body: { until: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return present(await this.actions.actOnAlert(id, this.actorOf(request), snoozeAction(body.until)));
  }

  @QueueActionRoute('alerts/:id/resolve')
  async resolve(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(resolveBody) body: { outcome: AlertOutcome; note?: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return present(await this.actions.actOnAlert(id, this.actorOf(request), resolveAction(body)));
  }

  @QueueActionRoute('incidents/:id/acknowledge')
  async acknowledgeIncident(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(emptyBody) _body: object, @Req() request: AuthenticatedRequest): Promise<unknown> {
    // An incident's already acknowledged alerts stay as they are (acknowledging the rest is no conflict).
    const action: QueueAction = { kind: 'acknowledged', transition: (alert, now) => (alert.status === 'acknowledged' ? { ok: true, alert } : acknowledge(alert, now)), acknowledged: true };
    return presentIncident(await this.actions.actOnIncident(id, this.actorOf(request), action));
  }

  @QueueActionRoute('incidents/:id/snooze')
  async snoozeIncident(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(snoozeBody) body: { until: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return presentIncident(await this.actions.actOnIncident(id, this.actorOf(request), snoozeAction(body.until)));
  }

  @QueueActionRoute('incidents/:id/resolve')
  async resolveIncident(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(resolveBody) body: { outcome: AlertOutcome; note?: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return presentIncident(await this.actions.actOnIncident(id, this.actorOf(request), resolveAction(body), body.outcome));
  }

  /** The request's key as an actor: it may act on the queues the queue rule allows it now (none without a principal). */
  private actorOf(request: AuthenticatedRequest): QueueActor {
    const principal = request.principal;
    return { keyId: principal?.keyId ?? 'unknown', mayAct: (queue) => principal !== undefined && this.mayUse(principal, queue, 'act') };
  }

  private checkQueue(principal: Principal | undefined, queue: string, right: QueueRight): void {
    if (!QUEUE.test(queue) || !principal || !this.mayUse(principal, queue, right)) {
      throw new RequestRejected(404, [{ path: 'queue', message: `no queue ${queue.slice(0, 100)} visible to this key` }]);
    }
  }

  /** The queue rule on current data; connects and live re-checks of streams both use it. */
  private mayUse(principal: Principal, queue: string, right: QueueRight): boolean {
    return mayUseQueue(principal, queue, right, (team) => this.directory.csmsOfTeam(team));
  }
}

/** Snooze until the request's `until` (any accepted time format, stored as ISO-8601). */
function snoozeAction(untilInput: string): QueueAction {
  const until = new Date(parseRequestTime(untilInput) as number).toISOString();
  return { kind: 'snoozed', transition: (alert, now) => snooze(alert, until, now) };
}

/** Resolve with the person's outcome and optional note. */
function resolveAction(body: { outcome: AlertOutcome; note?: string }): QueueAction {
  return { kind: 'resolved', transition: (alert, now) => resolve(alert, body.outcome, now), note: body.note };
}

/** An incident as the queue API shows it: its state, routing and every rule with its evidence. */
function presentIncident(incident: StoredIncident): Record<string, unknown> {
  return {
    incidentId: incident.incidentId,
    accountId: incident.accountId,
    category: incident.category,
    severity: incident.severity,
    priority: incident.priority,
    status: incident.status,
    queue: incident.queue,
    escalatedTo: incident.escalatedTo ?? null,
    csmId: incident.csmId ?? null,
    openedAt: incident.openedAt,
    lastSeenAt: incident.lastSeenAt,
    resolvedAt: incident.resolvedAt ?? null,
    outcome: incident.outcome ?? null,
    ruleIds: incident.ruleIds,
    rules: incident.rules,
  };
}

function present(alert: StoredAlert): Record<string, unknown> {
  return {
    alertId: alert.alertId,
    incidentId: alert.incidentId ?? null,
    accountId: alert.accountId,
    rule: alert.ruleId,
    category: alert.category,
    severity: alert.severity,
    priority: alert.priority,
    status: alert.status,
    queue: alert.queue,
    escalatedTo: alert.escalatedTo ?? null,
    count: alert.count,
    openedAt: alert.openedAt,
    lastSeenAt: alert.lastSeenAt,
    acknowledgedAt: alert.acknowledgedAt ?? null,
    snoozedUntil: alert.snoozedUntil ?? null,
    resolvedAt: alert.resolvedAt ?? null,
    outcome: alert.outcome ?? null,
    slaDueAt: alert.slaDueAt ?? null,
    note: alert.note ?? null,
    evidence: alert.evidence,
  };
}
