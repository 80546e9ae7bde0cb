import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Counter } from 'prom-client';
import type { AlertCategory, AlertLifecycleKind, AlertOutcome, IncidentLifecycleEvent } from '@bellwether/contracts';
import { foldIncident, incidentIdFor, isActive, placeIncident } from '@bellwether/alerting-domain';
import { AlertRepository, type StoredAlert } from '../alerts/alert.repository';
import { IncidentRepository, incidentEvent, type StoredIncident } from './incident.repository';

const incidentMetrics = {
  opened: new Counter({ name: 'bellwether_incidents_opened_total', help: 'Incidents opened, by category', labelNames: ['category'] as const }),
  updated: new Counter({ name: 'bellwether_incidents_updated_total', help: 'Incident lifecycle steps other than open and resolve, by category and kind', labelNames: ['category', 'kind'] as const }),
  resolved: new Counter({ name: 'bellwether_incidents_resolved_total', help: 'Incidents resolved, by category and outcome (none: auto-resolved)', labelNames: ['category', 'outcome'] as const }),
};

export interface RefoldOptions {
  /** The lifecycle kind of an `update` caused by a person's action, used when the incident took that status (else `updated`). */
  readonly kind?: AlertLifecycleKind;
  /** A person's (or churn's) outcome for an incident that resolves or is resolved. */
  readonly outcome?: AlertOutcome;
  /** Fold this incident (e.g. an already resolved one taking an outcome) instead of the group's active one. */
  readonly incident?: StoredIncident;
}

/** `refold`'s result plus the ids of the active alerts to link to the incident (none when it is not active). */
export interface FoldResult extends RefoldResult {
  readonly link: readonly string[];
}

export interface RefoldResult {
  readonly incident: StoredIncident | null;
  readonly event: IncidentLifecycleEvent | null;
}

/**
 * Keeps each (account, category)'s incident in step with its alerts, in the caller's transaction
 * (which must hold the account's lock or the incident's row): folds the group's alerts with the
 * pure `foldIncident`, stores the incident, links its active alerts to it and returns the
 * lifecycle event to publish, if any. Placement is the domain's `placeIncident` (the queue and
 * CSM of its highest-priority alert when it opens, of its newest active alert after; the highest
 * priority of its active alerts); it escalates (an `escalated` event) when one of its alerts does.
 */
@Injectable()
export class IncidentBook {
  constructor(
    private readonly incidents: IncidentRepository,
    private readonly alerts: AlertRepository,
  ) {}

  async refold(manager: EntityManager, accountId: string, category: AlertCategory, now: string, options: RefoldOptions = {}): Promise<RefoldResult> {
    const current = options.incident ?? (await this.incidents.activeOf(manager, accountId, category));
    const members = await this.alerts.groupMembers(manager, accountId, category, current?.incidentId ?? null);
    const folded = this.fold(current, members, { accountId, category, now, options });
    if (!folded.incident) return { incident: null, event: null };
    await this.incidents.save(manager, folded.incident);
    await this.alerts.linkToIncident(manager, folded.incident.incidentId, folded.link);
    return { incident: folded.incident, event: folded.event };
  }

  /**
   * The fold of `refold` without I/O: from the group's current incident (null: none active) and
   * its members (active alerts of the category plus the incident's alerts, by opened time), the
   * incident to store (null: none), its lifecycle event (null: none to publish) and the ids of
   * the active alerts to link to it. Counts the incident metrics.
   */
  fold(
    current: StoredIncident | null,
    members: readonly StoredAlert[],
    group: { readonly accountId: string; readonly category: AlertCategory; readonly now: string; readonly options?: RefoldOptions },
  ): FoldResult {
    const { accountId, category, now } = group;
    const options = group.options ?? {};
    const active = members.filter(isActive);
    const decision = foldIncident(current, members, {
      now,
      accountId,
      category,
      newIncidentId: incidentIdFor(accountId, category, active.map((alert) => alert.alertId)),
      ...(options.outcome ? { outcome: options.outcome } : {}),
    });
    if (!decision.incident) return { incident: null, event: null, link: [] };
    const placement = placeIncident(current, active, decision.kind === 'open');
    const escalatedTo = placement.escalatedTo;
    let incident: StoredIncident = { ...decision.incident, ...placement };
    let kind: AlertLifecycleKind | null = null;
    switch (decision.kind) {
      case 'open':
        kind = 'opened';
        incidentMetrics.opened.inc({ category });
        break;
      case 'resolve':
        kind = 'resolved';
        incidentMetrics.resolved.inc({ category, outcome: incident.outcome ?? 'none' });
        break;
      case 'update':
        // A person's kind only when the incident as a whole took that status (acknowledging one of
        // three open alerts leaves the incident open: `updated`).
        kind = options.kind !== undefined && options.kind === incident.status ? options.kind : escalatedTo !== (current?.escalatedTo ?? null) ? 'escalated' : 'updated';
        break;
      case 'none':
        if (current && escalatedTo !== current.escalatedTo) {
          kind = 'escalated';
          incident = { ...incident, revision: incident.revision + 1 };
        }
        break;
    }
    if (kind !== null && kind !== 'opened' && kind !== 'resolved') incidentMetrics.updated.inc({ category, kind });
    const link = isActive(incident) ? active.filter((alert) => alert.incidentId !== incident.incidentId).map((alert) => alert.alertId) : [];
    return { incident, event: kind === null ? null : incidentEvent(kind, incident, now), link };
  }
}
