import type { AlertCategory, AlertOutcome, AlertSeverity, AlertStatus } from '@bellwether/contracts';
import { isActive, type AlertState } from './alert-lifecycle';
import { compareSeverity, maxSeverity } from './severity';

/** One rule of an incident as its queue item lists it: the rule's alert, with its evidence. */
export interface IncidentRule {
  readonly rule: string;
  readonly alertId: string;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  readonly evidence: readonly string[];
}

/**
 * The alerts of one (account, category) grouped as Alertmanager groups by labels: a CSM's queue
 * shows one risk incident and one expansion opportunity per account. While active, its
 * `severity` is the highest of its active alerts (it rises and falls with them) and its status
 * is theirs (see `incidentStatusOf`). Every change bumps `revision`.
 */
export interface IncidentState {
  readonly incidentId: string;
  readonly accountId: string;
  readonly category: AlertCategory;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  /** Event time of the first alert that opened it. */
  readonly openedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt?: string;
  readonly outcome?: AlertOutcome;
  /** Every rule that fired into it, in order of first appearance, ties by rule id (never shrinks). */
  readonly ruleIds: readonly string[];
  /** Its alerts, active and resolved, as of the last change. */
  readonly rules: readonly IncidentRule[];
  readonly revision: number;
}

/** What the fold needs of an alert of the group. */
export type IncidentMember = Pick<AlertState, 'alertId' | 'ruleId' | 'severity' | 'status' | 'evidence' | 'outcome'>;

/**
 * - `open`: a new incident (its first alert opened while none of the group was active);
 * - `update`: severity, status or the set/state of its rules changed (a lifecycle event);
 * - `resolve`: its last active alert resolved, or a resolved incident took an outcome;
 * - `none`: nothing a subscriber needs to hear; `incident` is the refreshed state to store
 *   (latest evidence and last-seen time, same revision), or null when there is none.
 */
export type IncidentDecision =
  | { readonly kind: 'open' | 'update' | 'resolve'; readonly incident: IncidentState }
  | { readonly kind: 'none'; readonly incident: IncidentState | null };

export interface FoldContext {
  /** Event time of the change (ISO-8601). */
  readonly now: string;
  readonly accountId: string;
  readonly category: AlertCategory;
  /** Id for the incident if this fold opens one (the caller derives it deterministically). */
  readonly newIncidentId: string;
  /** A person's outcome when they resolved the incident (or its last alert) with one. */
  readonly outcome?: AlertOutcome;
}

const statusRank: Readonly<Record<AlertStatus, number>> = { open: 3, acknowledged: 2, snoozed: 1, resolved: 0 };

/**
 * An active incident's status from its active alerts: `open` if any is open (a new or re-opened
 * alert needs someone), else `acknowledged` if any is, else `snoozed`; `resolved` when none is
 * active.
 */
export function incidentStatusOf(members: readonly Pick<AlertState, 'status'>[]): AlertStatus {
  return members.reduce<AlertStatus>((best, member) => (statusRank[member.status] > statusRank[best] ? member.status : best), 'resolved');
}

/**
 * Folds the group's alerts into its incident. `current`: the group's active incident, else null
 * (a resolved one is passed only to record a late outcome). `members`: the group's active alerts
 * plus every alert already linked to `current`, after this change's decisions.
 *
 * - no active incident, some active alert → `open` with those alerts;
 * - active incident, no active alert → `resolve` at `now`; its outcome is `ctx.outcome`, else
 *   the outcome every resolved member shares (all `churned` → `churned`), else none;
 * - active incident, active alerts → `update` when severity, status, or any rule's presence,
 *   severity or status changed; otherwise `none` with refreshed evidence;
 * - a resolved `current` without outcome and `ctx.outcome` → `resolve` recording it.
 */
export function foldIncident(current: IncidentState | null, members: readonly IncidentMember[], ctx: FoldContext): IncidentDecision {
  const active = members.filter(isActive);
  if (current && !isActive(current)) {
    if (current.outcome === undefined && ctx.outcome !== undefined) {
      return { kind: 'resolve', incident: { ...current, outcome: ctx.outcome, rules: rulesOf(members, current), revision: current.revision + 1 } };
    }
    current = null;
  }
  if (!current) {
    if (active.length === 0) return { kind: 'none', incident: null };
    return {
      kind: 'open',
      incident: {
        incidentId: ctx.newIncidentId,
        accountId: ctx.accountId,
        category: ctx.category,
        severity: highest(active),
        status: incidentStatusOf(active),
        openedAt: ctx.now,
        lastSeenAt: ctx.now,
        ruleIds: unique(active.map((member) => member.ruleId).sort()),
        rules: rulesOf(active, null),
        revision: 1,
      },
    };
  }
  const rules = rulesOf(members, current);
  const ruleIds = unique([...current.ruleIds, ...members.map((member) => member.ruleId).sort()]);
  if (active.length === 0) {
    const outcome = ctx.outcome ?? sharedOutcome(members);
    return {
      kind: 'resolve',
      incident: { ...current, status: 'resolved', resolvedAt: ctx.now, lastSeenAt: later(current.lastSeenAt, ctx.now), ...(outcome ? { outcome } : {}), ruleIds, rules, revision: current.revision + 1 },
    };
  }
  const next: IncidentState = { ...current, severity: highest(active), status: incidentStatusOf(active), lastSeenAt: later(current.lastSeenAt, ctx.now), ruleIds, rules };
  const changed = next.severity !== current.severity || next.status !== current.status || ruleIds.length !== current.ruleIds.length || shapeOf(rules) !== shapeOf(current.rules);
  return changed ? { kind: 'update', incident: { ...next, revision: current.revision + 1 } } : { kind: 'none', incident: next };
}

function highest(members: readonly IncidentMember[]): AlertSeverity {
  return members.map((member) => member.severity).reduce(maxSeverity);
}

/** The members as incident rules: active first by severity, then resolved; one per alert. */
function rulesOf(members: readonly IncidentMember[], current: IncidentState | null): IncidentRule[] {
  const byAlert = new Map<string, IncidentRule>((current?.rules ?? []).map((rule) => [rule.alertId, rule]));
  for (const member of members) {
    byAlert.set(member.alertId, { rule: member.ruleId, alertId: member.alertId, severity: member.severity, status: member.status, evidence: [...member.evidence] });
  }
  return [...byAlert.values()].sort(
    (a, b) => Number(isActive(b)) - Number(isActive(a)) || compareSeverity(b.severity, a.severity) || a.rule.localeCompare(b.rule) || a.alertId.localeCompare(b.alertId),
  );
}

/** What a subscriber sees of the rules: which alert, its severity and status (not the evidence text). */
function shapeOf(rules: readonly IncidentRule[]): string {
  return rules.map((rule) => `${rule.alertId}:${rule.severity}:${rule.status}`).join('|');
}

function sharedOutcome(members: readonly IncidentMember[]): AlertOutcome | undefined {
  const outcomes = new Set(members.filter((member) => !isActive(member)).map((member) => member.outcome));
  const [only] = [...outcomes];
  return outcomes.size === 1 ? only : undefined;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}
