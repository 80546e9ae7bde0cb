import type { Segment } from '@bellwether/contracts';
import { accountTierOf } from './arr-tier';

export interface RoutableAccount {
  readonly csmId?: string;
  readonly arrUsd?: number;
  readonly segment: Segment;
}

export interface Route {
  readonly queue: string;
}

/** The owner CSM's queue (`csm:<csmId>`), else the team queue of the ARR tier (`team:smb|mid-market|enterprise`). */
export function routeTo(account: RoutableAccount): Route {
  const csmId = account.csmId?.trim();
  if (csmId) return { queue: `csm:${csmId}` };
  return { queue: `team:${accountTierOf(account.arrUsd)}` };
}

/** What placing an incident needs of an active alert of its group (the alert's own placement). */
export interface PlacedAlert {
  readonly alertId: string;
  readonly priority: number;
  /** ISO-8601 event time it opened. */
  readonly openedAt: string;
  readonly queue: string;
  readonly csmId: string | null;
  readonly escalatedTo?: string | null;
}

/** Where an incident sits: its queue and CSM, the manager queue it escalated to (null: none), and its priority. */
export interface IncidentPlacement {
  readonly queue: string;
  readonly csmId: string | null;
  readonly escalatedTo: string | null;
  readonly priority: number;
}

/**
 * Places an incident from its active alerts, which `routeTo` already placed from the account: this
 * decides which alert's placement the incident takes, not a queue of its own. An opening incident
 * (or one without a stored placement) takes that of its highest-priority alert (ties: earlier
 * opened, then lower id); after that it follows its newest active alert, so an alert routed to a
 * new owner (the account was reassigned) moves the incident with it and the old owner no longer
 * sees it. With no active alert it keeps `current` (else `team:unassigned`). It stays escalated
 * once escalated, and escalates when one of its alerts did. Its priority is the highest of its
 * active alerts', else the stored one (else 0).
 */
export function placeIncident(current: IncidentPlacement | null, active: readonly PlacedAlert[], opening: boolean): IncidentPlacement {
  const byPriority = [...active].sort((a, b) => b.priority - a.priority || a.openedAt.localeCompare(b.openedAt) || a.alertId.localeCompare(b.alertId));
  const newest = byPriority.reduce<PlacedAlert | undefined>((latest, alert) => (!latest || alert.openedAt > latest.openedAt ? alert : latest), undefined);
  const fresh = opening || !current;
  const route = fresh ? byPriority[0] : newest;
  const kept = fresh ? null : current.escalatedTo;
  return {
    queue: route?.queue ?? current?.queue ?? 'team:unassigned',
    csmId: route ? route.csmId : (current?.csmId ?? null),
    escalatedTo: kept ?? byPriority.find((alert) => alert.escalatedTo)?.escalatedTo ?? null,
    priority: active.length > 0 ? Math.max(...active.map((alert) => alert.priority)) : (current?.priority ?? 0),
  };
}
