import { Controller, Get, HttpCode, Inject, Post, Req, Sse, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Histogram } from 'prom-client';
import type { AlertLifecycleEvent, AlertLifecycleKind, AlertOutcome, IncidentLifecycleEvent } from '@bellwether/contracts';
import { acknowledge, resolve, snooze, type TransitionResult } from '@bellwether/alerting-domain';
import {
  AccessChanges,
  ApiKeyGuard,
  ApiKeyRing,
  DirectoryRing,
  keyFromAuthorization,
  mayUseQueue,
  RateLimitClass,
  RateLimitGuard,
  RequireScope,
  whileAccessAllowed,
  type AuthenticatedRequest,
  type Principal,
  type QueueRight,
} from '@bellwether/auth';
import { OutboxRelay, parseRequestTime, PipelineClock, RequestRejected, pathIdParams, requestSchemas, SERVICE_DATA_SOURCE, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import { finalize, interval, merge, type Observable } from 'rxjs';
import { AlertEvents } from '../alerts/alert-events';
import { AlertRepository, lifecycleEvent, withState, type StoredAlert } from '../alerts/alert.repository';
import { AlertingEnv } from '../alerting.env';
import { IncidentBook } from '../incidents/incident-book';
import { IncidentRepository, type StoredIncident } from '../incidents/incident.repository';
import { AlertStream, type StreamMessage } from './alert-stream';
import { OpenStreams } from './open-streams';


const timeToAcknowledge = new Histogram({
  name: 'bellwether_alert_time_to_acknowledge_seconds',
  help: 'From an alert being opened to its acknowledgement (wall clock)',
  labelNames: ['severity', 'category'] as const,
  buckets: [60, 300, 900, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 48 * 3600, 7 * 86400],
});

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
    private readonly events: AlertEvents,
    private readonly relay: OutboxRelay,
    private readonly stream: AlertStream,
    private readonly accessChanges: AccessChanges,
    private readonly openStreams: OpenStreams,
    private readonly env: AlertingEnv,
    private readonly clock: PipelineClock,
    private readonly repository: AlertRepository,
    private readonly incidents: IncidentRepository,
    private readonly book: IncidentBook,
  ) {}

  @Get('queues/:queue/alerts')
  @RequireScope('integrator', 'csm', 'manager')
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
  @Get('queues/:queue/incidents')
  @RequireScope('integrator', 'csm', 'manager')
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

  @Sse('queues/:queue/stream')
  @RequireScope('integrator', 'csm', 'manager')
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

  @Post('alerts/:id/acknowledge')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  acknowledge(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(emptyBody) _body: object, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return this.act(id, request, 'acknowledged', (alert, now) => acknowledge(alert, now), { acknowledged: true });
  }

  @Post('alerts/:id/snooze')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  snooze(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(snoozeBody) body: { until: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    const until = new Date(parseRequestTime(body.until) as number).toISOString();
    return this.act(id, request, 'snoozed', (alert, now) => snooze(alert, until, now), {});
  }

  @Post('alerts/:id/resolve')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  resolve(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(resolveBody) body: { outcome: AlertOutcome; note?: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return this.act(id, request, 'resolved', (alert, now) => resolve(alert, body.outcome, now), { note: body.note });
  }

  @Post('incidents/:id/acknowledge')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  acknowledgeIncident(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(emptyBody) _body: object, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return this.actOnIncident(id, request, 'acknowledged', (alert, now) => (alert.status === 'acknowledged' ? { ok: true, alert } : acknowledge(alert, now)), { acknowledged: true });
  }

  @Post('incidents/:id/snooze')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  snoozeIncident(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(snoozeBody) body: { until: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    const until = new Date(parseRequestTime(body.until) as number).toISOString();
    return this.actOnIncident(id, request, 'snoozed', (alert, now) => snooze(alert, until, now), {});
  }

  @Post('incidents/:id/resolve')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  resolveIncident(@ValidParams(alertParams) { id }: { id: string }, @ValidBody(resolveBody) body: { outcome: AlertOutcome; note?: string }, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return this.actOnIncident(id, request, 'resolved', (alert, now) => resolve(alert, body.outcome, now), { note: body.note }, body.outcome);
  }

  /**
   * A person's transition on an incident: applied to each of its active alerts (resolve also
   * gives its outcome to resolved alerts that have none), each recorded as on the alert routes,
   * then the incident folded again: its status follows its alerts', and resolving the last active
   * alert resolves it with the outcome. One transaction; any alert refusing the transition (409)
   * leaves everything as it was. Visibility as for alerts: the incident's queue or its
   * escalation queue must be one the key may act on, else 404.
   */
  private async actOnIncident(
    id: string,
    request: AuthenticatedRequest,
    kind: AlertLifecycleKind,
    transition: (alert: StoredAlert, now: string) => TransitionResult,
    extra: { acknowledged?: boolean; note?: string },
    outcome?: AlertOutcome,
  ): Promise<unknown> {
    const principal = request.principal;
    const actedAt = new Date().toISOString();
    const result = await this.dataSource.transaction(async (manager) => {
      // The account's lock first, as the score consumer takes it, then the incident's row.
      const accountId = /^in_[0-9a-f]{24}$/.test(id) ? await this.incidents.accountOf(manager, id) : null;
      if (accountId !== null) await this.repository.lockAccount(manager, accountId);
      const incident = accountId !== null ? await this.incidents.findForUpdate(manager, id) : null;
      const visible = incident && principal && [incident.queue, incident.escalatedTo].some((queue) => queue && this.mayUse(principal, queue, 'act'));
      if (!incident || !visible) throw new RequestRejected(404, [{ path: 'id', message: `no incident ${id.slice(0, 100)} this key may act on` }]);
      const alerts = await this.repository.activeOfIncidentForUpdate(manager, incident.incidentId);
      if (outcome) alerts.push(...(await this.repository.unsettledOfIncidentForUpdate(manager, incident.incidentId)));
      if (alerts.length === 0 && (incident.status === 'resolved' ? incident.outcome !== undefined || !outcome : true)) {
        throw new RequestRejected(409, [{ path: '', message: incident.status === 'resolved' ? `incident is already resolved${incident.outcome ? ` as ${incident.outcome}` : ''}` : 'incident has no active alert' }]);
      }
      const now = [this.clock.now(), incident.lastSeenAt, ...alerts.map((alert) => alert.lastSeenAt)].reduce<string>((latest, time) => (time !== null ? laterInstant(latest, time) : latest), incident.lastSeenAt);
      const alertEvents: AlertLifecycleEvent[] = [];
      for (const alert of alerts) {
        const next = transition(alert, now);
        if (!next.ok) throw new RequestRejected(409, [{ path: '', message: `alert ${alert.alertId} (${alert.ruleId}): ${next.error}` }]);
        if (next.alert === alert) continue;
        const updated: StoredAlert = {
          ...withState(alert, next.alert),
          note: extra.note ?? alert.note ?? null,
          acknowledgedAt: extra.acknowledged ? (alert.acknowledgedAt ?? actedAt) : (alert.acknowledgedAt ?? null),
        };
        await this.repository.recordAction(manager, updated, { actedBy: principal?.keyId ?? 'unknown', ...extra });
        if (extra.acknowledged) timeToAcknowledge.observe({ severity: alert.severity, category: alert.category }, await this.repository.secondsSinceCreated(manager, alert.alertId));
        alertEvents.push(lifecycleEvent(kind, updated, now));
      }
      const folded = await this.book.refold(manager, incident.accountId, incident.category, now, {
        kind,
        ...(outcome ? { outcome } : {}),
        ...(incident.status === 'resolved' ? { incident } : {}),
      });
      await this.events.emit(manager, alertEvents);
      await this.events.emitIncidents(manager, folded.event ? [folded.event] : []);
      return { incident: folded.incident ?? incident, changed: alertEvents.length > 0 || folded.event !== null };
    });
    if (result.changed) this.relay.nudge();
    return presentIncident(result.incident);
  }

  /**
   * Applies a person's transition. The transition's time (a snooze's "must be in the future", the
   * resolution time that starts the rule's cool-down, the lifecycle event's `occurredAt`) is on
   * the pipeline clock, like every other time of an alert: in event mode the alert lives in event
   * time, and a snooze is woken by the pipeline clock, so `until` must be after the pipeline's now,
   * not the wall clock's. It is never before the alert's own last event time (the watermark may
   * trail one account's events, or be unknown yet). `acknowledgedAt` stays the wall time a person
   * acted, for the time-to-acknowledge metric.
   */
  private async act(
    id: string,
    request: AuthenticatedRequest,
    kind: AlertLifecycleKind,
    transition: (alert: StoredAlert, now: string) => TransitionResult,
    extra: { acknowledged?: boolean; note?: string },
  ): Promise<unknown> {
    const principal = request.principal;
    const actedAt = new Date().toISOString();
    const result = await this.dataSource.transaction(async (manager) => {
      // The account's lock first, as the score consumer takes it, before any row lock: the action
      // then folds the alert's incident without racing (or deadlocking with) a score change.
      const accountId = /^al_[0-9a-f]{24}$/.test(id) ? await this.repository.accountOfAlert(manager, id) : null;
      if (accountId !== null) await this.repository.lockAccount(manager, accountId);
      const alert = accountId !== null ? await this.repository.findForUpdate(manager, id) : null;
      const visible = alert && principal && [alert.queue, alert.escalatedTo].some((queue) => queue && this.mayUse(principal, queue, 'act'));
      if (!alert || !visible) throw new RequestRejected(404, [{ path: 'id', message: `no alert ${id.slice(0, 100)} this key may act on` }]);
      const now = laterInstant(this.clock.now(), alert.lastSeenAt);
      const next = transition(alert, now);
      if (!next.ok) throw new RequestRejected(409, [{ path: '', message: next.error }]);
      if (next.alert === alert) return { alert, changed: false };
      const updated: StoredAlert = {
        ...withState(alert, next.alert),
        note: extra.note ?? alert.note ?? null,
        acknowledgedAt: extra.acknowledged ? (alert.acknowledgedAt ?? actedAt) : (alert.acknowledgedAt ?? null),
      };
      await this.repository.recordAction(manager, updated, { actedBy: principal?.keyId ?? 'unknown', ...extra });
      if (extra.acknowledged) timeToAcknowledge.observe({ severity: alert.severity, category: alert.category }, await this.repository.secondsSinceCreated(manager, alert.alertId));
      const event: AlertLifecycleEvent = lifecycleEvent(kind, updated, now);
      await this.events.emit(manager, [event]);
      // The alert's incident follows (its status, severity, or its resolution with the last alert).
      const incidentEvents: IncidentLifecycleEvent[] = [];
      if (alert.incidentId) {
        const folded = await this.book.refold(manager, alert.accountId, alert.category, now, { kind, ...(kind === 'resolved' && next.alert.outcome ? { outcome: next.alert.outcome } : {}) });
        if (folded.event) incidentEvents.push(folded.event);
      }
      await this.events.emitIncidents(manager, incidentEvents);
      return { alert: updated, changed: true };
    });
    if (result.changed) this.relay.nudge();
    return present(result.alert);
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

/** The later of two ISO-8601 instants, `b` when `a` is null. */
function laterInstant(a: string | null, b: string): string {
  return a !== null && Date.parse(a) > Date.parse(b) ? a : b;
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
