import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Histogram } from 'prom-client';
import type { AlertLifecycleEvent, AlertLifecycleKind, AlertOutcome, IncidentLifecycleEvent } from '@bellwether/contracts';
import type { AlertState, TransitionResult } from '@bellwether/alerting-domain';
import { Clock, OutboxRelay, PipelineClock, RequestRejected, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { AlertEvents } from '../alerts/alert-events';
import { AlertRepository, lifecycleEvent, withState, type StoredAlert } from '../alerts/alert.repository';
import { IncidentBook } from '../incidents/incident-book';
import { IncidentRepository, type StoredIncident } from '../incidents/incident.repository';

const timeToAcknowledge = new Histogram({
  name: 'bellwether_alert_time_to_acknowledge_seconds',
  help: 'From an alert being opened to its acknowledgement (wall clock)',
  labelNames: ['severity', 'category'] as const,
  buckets: [60, 300, 900, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 48 * 3600, 7 * 86400],
});

/** Who acts: the API key's id (recorded as `acted_by`) and which queues it may act on now. */
export interface QueueActor {
  readonly keyId: string;
  readonly mayAct: (queue: string) => boolean;
}

/**
 * A person's action on an alert (or on each alert of an incident): the lifecycle kind its events
 * carry, the domain transition at the action's pipeline time, and what is recorded with it
 * (`acknowledged`: stamp the wall time a person acknowledged; `note`: replaces the alert's note).
 */
export interface QueueAction {
  readonly kind: AlertLifecycleKind;
  readonly transition: (alert: StoredAlert, now: string) => TransitionResult;
  readonly acknowledged?: boolean;
  readonly note?: string;
}

/**
 * People's actions on the queue (acknowledge, snooze, resolve an alert or a whole incident), each
 * in one transaction that takes the account's lock first, as the score consumer does, before any
 * row lock: the action then folds the alert's incident without racing (or deadlocking with) a
 * score change. The action's time (a snooze's "must be in the future", the resolution time that
 * starts the rule's cool-down, the lifecycle event's `occurredAt`) is on the pipeline clock, like
 * every other time of an alert: in event mode the alert lives in event time, and a snooze is
 * woken by the pipeline clock, so `until` must be after the pipeline's now, not the wall clock's.
 * It is never before the item's own last event time (the watermark may trail one account's
 * events, or be unknown yet). `acknowledgedAt` stays the wall time (`Clock`) a person acted, for
 * the time-to-acknowledge metric. Errors: `RequestRejected` 404 when the item does not exist or
 * the actor may not act on its queue or escalation queue, 409 when the transition is refused.
 */
@Injectable()
export class QueueActionsService {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly alerts: AlertRepository,
    private readonly incidents: IncidentRepository,
    private readonly book: IncidentBook,
    private readonly events: AlertEvents,
    private readonly relay: OutboxRelay,
    private readonly clock: PipelineClock,
    private readonly wallClock: Clock,
  ) {}

  /** Applies `action` to alert `id`; returns the alert as stored after it (unchanged when the transition was a no-op). */
  async actOnAlert(id: string, actor: QueueActor, action: QueueAction): Promise<StoredAlert> {
    const actedAt = this.wallClock.nowIso();
    const result = await this.dataSource.transaction(async (manager) => {
      const accountId = /^al_[0-9a-f]{24}$/.test(id) ? await this.alerts.accountOfAlert(manager, id) : null;
      if (accountId !== null) await this.alerts.lockAccount(manager, accountId);
      const alert = accountId !== null ? await this.alerts.findForUpdate(manager, id) : null;
      if (!alert || !visibleTo(actor, alert)) throw new RequestRejected(404, [{ path: 'id', message: `no alert ${id.slice(0, 100)} this key may act on` }]);
      const now = laterInstant(this.clock.now(), alert.lastSeenAt);
      const next = action.transition(alert, now);
      if (!next.ok) throw new RequestRejected(409, [{ path: '', message: next.error }]);
      if (next.alert === alert) return { alert, changed: false };
      const { updated, event } = await this.record(manager, alert, next.alert, actor, action, now, actedAt);
      await this.events.emit(manager, [event]);
      // The alert's incident follows (its status, severity, or its resolution with the last alert).
      const incidentEvents: IncidentLifecycleEvent[] = [];
      if (alert.incidentId) {
        const folded = await this.book.refold(manager, alert.accountId, alert.category, now, {
          kind: action.kind,
          ...(action.kind === 'resolved' && next.alert.outcome ? { outcome: next.alert.outcome } : {}),
        });
        if (folded.event) incidentEvents.push(folded.event);
      }
      await this.events.emitIncidents(manager, incidentEvents);
      return { alert: updated, changed: true };
    });
    if (result.changed) this.relay.nudge();
    return result.alert;
  }

  /**
   * Applies `action` to each active alert of incident `id` (with `outcome`, a resolve also gives
   * it to resolved alerts that have none), each recorded as on an alert, then folds the incident
   * again: its status follows its alerts', and resolving the last active alert resolves it with
   * the outcome. Any alert refusing the transition (409) leaves everything as it was. Returns the
   * incident as stored after it.
   */
  async actOnIncident(id: string, actor: QueueActor, action: QueueAction, outcome?: AlertOutcome): Promise<StoredIncident> {
    const actedAt = this.wallClock.nowIso();
    const result = await this.dataSource.transaction(async (manager) => {
      const accountId = /^in_[0-9a-f]{24}$/.test(id) ? await this.incidents.accountOf(manager, id) : null;
      if (accountId !== null) await this.alerts.lockAccount(manager, accountId);
      const incident = accountId !== null ? await this.incidents.findForUpdate(manager, id) : null;
      if (!incident || !visibleTo(actor, incident)) throw new RequestRejected(404, [{ path: 'id', message: `no incident ${id.slice(0, 100)} this key may act on` }]);
      const alerts = await this.alerts.activeOfIncidentForUpdate(manager, incident.incidentId);
      if (outcome) alerts.push(...(await this.alerts.unsettledOfIncidentForUpdate(manager, incident.incidentId)));
      if (alerts.length === 0 && (incident.status === 'resolved' ? incident.outcome !== undefined || !outcome : true)) {
        throw new RequestRejected(409, [{ path: '', message: incident.status === 'resolved' ? `incident is already resolved${incident.outcome ? ` as ${incident.outcome}` : ''}` : 'incident has no active alert' }]);
      }
      const now = [this.clock.now(), incident.lastSeenAt, ...alerts.map((alert) => alert.lastSeenAt)].reduce<string>((latest, time) => (time !== null ? laterInstant(latest, time) : latest), incident.lastSeenAt);
      const alertEvents: AlertLifecycleEvent[] = [];
      for (const alert of alerts) {
        const next = action.transition(alert, now);
        if (!next.ok) throw new RequestRejected(409, [{ path: '', message: `alert ${alert.alertId} (${alert.ruleId}): ${next.error}` }]);
        if (next.alert === alert) continue;
        alertEvents.push((await this.record(manager, alert, next.alert, actor, action, now, actedAt)).event);
      }
      const folded = await this.book.refold(manager, incident.accountId, incident.category, now, {
        kind: action.kind,
        ...(outcome ? { outcome } : {}),
        ...(incident.status === 'resolved' ? { incident } : {}),
      });
      await this.events.emit(manager, alertEvents);
      await this.events.emitIncidents(manager, folded.event ? [folded.event] : []);
      return { incident: folded.incident ?? incident, changed: alertEvents.length > 0 || folded.event !== null };
    });
    if (result.changed) this.relay.nudge();
    return result.incident;
  }

  /** Stores one alert's transition as a person's action (who, note, acknowledgement time) and returns it with its lifecycle event. */
  private async record(
    manager: EntityManager,
    alert: StoredAlert,
    next: AlertState,
    actor: QueueActor,
    action: QueueAction,
    now: string,
    actedAt: string,
  ): Promise<{ updated: StoredAlert; event: AlertLifecycleEvent }> {
    const updated: StoredAlert = {
      ...withState(alert, next),
      note: action.note ?? alert.note ?? null,
      acknowledgedAt: action.acknowledged ? (alert.acknowledgedAt ?? actedAt) : (alert.acknowledgedAt ?? null),
    };
    await this.alerts.recordAction(manager, updated, { actedBy: actor.keyId, acknowledged: action.acknowledged, note: action.note });
    if (action.acknowledged) timeToAcknowledge.observe({ severity: alert.severity, category: alert.category }, await this.alerts.secondsSinceCreated(manager, alert.alertId));
    return { updated, event: lifecycleEvent(action.kind, updated, now) };
  }
}

/** An item is visible to an actor who may act on its queue or on the manager queue it escalated to. */
function visibleTo(actor: QueueActor, item: { readonly queue: string; readonly escalatedTo?: string | null }): boolean {
  return [item.queue, item.escalatedTo].some((queue) => queue && actor.mayAct(queue));
}

/** The later of two ISO-8601 instants, `b` when `a` is null. */
function laterInstant(a: string | null, b: string): string {
  return a !== null && Date.parse(a) > Date.parse(b) ? a : b;
}
