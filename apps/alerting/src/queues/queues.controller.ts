import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Sse, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Histogram } from 'prom-client';
import type { AlertLifecycleEvent, AlertLifecycleKind, AlertOutcome } from '@bellwether/contracts';
import { acknowledge, resolve, snooze, type TransitionResult } from '@bellwether/alerting-domain';
import { ApiKeyGuard, DirectoryRing, mayUseQueue, RequireScope, type AuthenticatedRequest, type Principal, type QueueRight } from '@bellwether/auth';
import { OutboxRelay, RequestRejected, SERVICE_DATA_SOURCE, type RequestProblem } from '@bellwether/platform';
import type { Observable } from 'rxjs';
import { AlertEvents } from '../alerts/alert-events';
import { AlertRepository, lifecycleEvent, type StoredAlert } from '../alerts/alert.repository';
import { AlertStream, type StreamMessage } from './alert-stream';


const timeToAcknowledge = new Histogram({
  name: 'bellwether_alert_time_to_acknowledge_seconds',
  help: 'From an alert being opened to its acknowledgement (wall clock)',
  labelNames: ['severity', 'category'] as const,
  buckets: [60, 300, 900, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 48 * 3600, 7 * 86400],
});

const statuses = ['open', 'acknowledged', 'snoozed', 'resolved'] as const;
const outcomes: readonly AlertOutcome[] = ['saved', 'churned', 'expanded', 'not_actionable'];
const QUEUE = /^(csm|team|manager):[A-Za-z0-9_.-]{1,100}$/;
const MAX_NOTE = 2000;

/** CSM queues: list priority first, act on alerts, follow a queue live (contracts.md). */
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class QueuesController {
  private readonly repository = new AlertRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly directory: DirectoryRing,
    private readonly events: AlertEvents,
    private readonly relay: OutboxRelay,
    private readonly stream: AlertStream,
  ) {}

  @Get('queues/:queue/alerts')
  @RequireScope('integrator', 'csm', 'manager')
  async list(
    @Param('queue') queue: string,
    @Query() query: Record<string, string | undefined>,
    @Req() request: AuthenticatedRequest,
  ): Promise<{ queue: string; alerts: unknown[] }> {
    this.checkQueue(request.principal, queue, 'read');
    const problems: RequestProblem[] = [];
    const unknownParams = Object.keys(query).filter((name) => !['status', 'category', 'rule', 'limit'].includes(name));
    for (const name of unknownParams) problems.push({ path: name, message: 'is not a filter (status, category, rule, limit)' });
    const wanted = (query['status'] ?? 'open').split(',');
    const badStatus = wanted.filter((status) => !(statuses as readonly string[]).includes(status));
    if (badStatus.length > 0) problems.push({ path: 'status', message: `must be among ${statuses.join(', ')}` });
    if (query['category'] !== undefined && !['risk', 'expansion'].includes(query['category'])) problems.push({ path: 'category', message: 'must be risk or expansion' });
    const limit = query['limit'] === undefined ? 100 : Number(query['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) problems.push({ path: 'limit', message: 'must be an integer from 1 to 500' });
    if (problems.length > 0) throw new RequestRejected(400, problems);
    const alerts = await this.repository.listQueue(this.dataSource.manager, queue, { statuses: wanted, category: query['category'], rule: query['rule'], limit });
    return { queue, alerts: alerts.map(present) };
  }

  @Sse('queues/:queue/stream')
  @RequireScope('integrator', 'csm', 'manager')
  follow(@Param('queue') queue: string, @Req() request: AuthenticatedRequest): Observable<StreamMessage> {
    this.checkQueue(request.principal, queue, 'read');
    return this.stream.forQueue(queue);
  }

  @Post('alerts/:id/acknowledge')
  @HttpCode(200)
  @RequireScope('csm', 'manager')
  acknowledge(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return this.act(id, request, 'acknowledged', (alert, now) => acknowledge(alert, now), { acknowledged: true });
  }

  @Post('alerts/:id/snooze')
  @HttpCode(200)
  @RequireScope('csm', 'manager')
  snooze(@Param('id') id: string, @Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<unknown> {
    const { until } = fields(body, ['until'], ['until']);
    if (typeof until !== 'string' || Number.isNaN(Date.parse(until))) throw new RequestRejected(400, [{ path: 'until', message: 'must be an ISO-8601 date-time' }]);
    return this.act(id, request, 'snoozed', (alert, now) => snooze(alert, new Date(until).toISOString(), now), {});
  }

  @Post('alerts/:id/resolve')
  @HttpCode(200)
  @RequireScope('csm', 'manager')
  resolve(@Param('id') id: string, @Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<unknown> {
    const { outcome, note } = fields(body, ['outcome', 'note'], ['outcome']);
    const problems: RequestProblem[] = [];
    if (!outcomes.includes(outcome as AlertOutcome)) problems.push({ path: 'outcome', message: `must be one of ${outcomes.join(', ')}` });
    if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE)) problems.push({ path: 'note', message: `must be a string of at most ${MAX_NOTE} characters` });
    if (problems.length > 0) throw new RequestRejected(400, problems);
    return this.act(id, request, 'resolved', (alert, now) => resolve(alert, outcome as AlertOutcome, now), { note: note as string | undefined });
  }

  private async act(
    id: string,
    request: AuthenticatedRequest,
    kind: AlertLifecycleKind,
    transition: (alert: StoredAlert, now: string) => TransitionResult,
    extra: { acknowledged?: boolean; note?: string },
  ): Promise<unknown> {
    const principal = request.principal;
    const now = new Date().toISOString();
    const result = await this.dataSource.transaction(async (manager) => {
      const alert = /^al_[0-9a-f]{24}$/.test(id) ? await this.repository.findForUpdate(manager, id) : null;
      const visible = alert && principal && [alert.queue, alert.escalatedTo].some((queue) => queue && mayUseQueue(principal, queue, 'act', (team) => this.directory.csmsOfTeam(team)));
      if (!alert || !visible) throw new RequestRejected(404, [{ path: 'id', message: `no alert ${id.slice(0, 100)} this key may act on` }]);
      const next = transition(alert, now);
      if (!next.ok) throw new RequestRejected(409, [{ path: '', message: next.error }]);
      if (next.alert === alert) return { alert, changed: false };
      const updated: StoredAlert = {
        ...alert,
        ...next.alert,
        note: extra.note ?? alert.note ?? null,
        acknowledgedAt: extra.acknowledged ? (alert.acknowledgedAt ?? now) : (alert.acknowledgedAt ?? null),
      };
      await this.repository.recordAction(manager, updated, { actedBy: principal?.keyId ?? 'unknown', ...extra });
      if (extra.acknowledged) timeToAcknowledge.observe({ severity: alert.severity, category: alert.category }, await this.repository.secondsSinceCreated(manager, alert.alertId));
      const event: AlertLifecycleEvent = lifecycleEvent(kind, updated, now);
      await this.events.emit(manager, [event]);
      return { alert: updated, changed: true };
    });
    if (result.changed) this.relay.nudge();
    return present(result.alert);
  }

  private checkQueue(principal: Principal | undefined, queue: string, right: QueueRight): void {
    if (!QUEUE.test(queue) || !principal || !mayUseQueue(principal, queue, right, (team) => this.directory.csmsOfTeam(team))) {
      throw new RequestRejected(404, [{ path: 'queue', message: `no queue ${queue.slice(0, 100)} visible to this key` }]);
    }
  }
}

function present(alert: StoredAlert): Record<string, unknown> {
  return {
    alertId: alert.alertId,
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

/** A JSON object body with only the named fields (400 naming the first problems otherwise). */
function fields(body: unknown, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestRejected(400, [{ path: '', message: 'body must be a JSON object' }]);
  const record = body as Record<string, unknown>;
  const problems: RequestProblem[] = [
    ...Object.keys(record).filter((name) => !allowed.includes(name)).map((name) => ({ path: name, message: 'is not an allowed field' })),
    ...required.filter((name) => record[name] === undefined).map((name) => ({ path: name, message: 'is required' })),
  ];
  if (problems.length > 0) throw new RequestRejected(400, problems);
  return record;
}
