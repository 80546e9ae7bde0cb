import { createHash } from 'node:crypto';
import { DAY_MS, type AlertCategory } from '@bellwether/contracts';
import type { AlertState } from './alert-lifecycle';
import { priorityOf } from './priority';
import type { AlertRuleConfig } from './rule-config';
import { slaDueAt } from './sla';

// The pure pieces of applying one score change to an account's alerts; the alerting app's
// AlertApplicationService reads the state, calls these with the lifecycle decision (`decide`),
// hysteresis and incident fold, and stores the results.

/**
 * The time the change's decisions are stamped with (ISO-8601): the change's event time, or the
 * latest time the account's alerts already saw (last seen or resolved) if later. A late event's
 * re-score carries its own earlier event time; an account's alert lifecycle only moves forward.
 * Compares ISO-8601 UTC strings as text (all come from validated messages or the store).
 */
export function decisionTimeOf(eventTime: string, alerts: readonly Pick<AlertState, 'lastSeenAt' | 'resolvedAt'>[]): string {
  const seen = alerts.flatMap((alert) => [alert.lastSeenAt, alert.resolvedAt ?? '']);
  return seen.reduce((latest, time) => (time > latest ? time : latest), eventTime);
}

/**
 * Start of the contact budget's window (ISO-8601): `periodDays` days before `now`. The budget
 * counts the account's incidents opened at or after it. Throws RangeError when `now` is not a
 * parseable instant.
 */
export function contactBudgetSince(now: string, periodDays: number): string {
  return new Date(Date.parse(now) - periodDays * DAY_MS).toISOString();
}

/**
 * The acknowledgement SLA of a rule's alerts in seconds: the rule's own `slaHours` param when
 * positive, else `criticalSlaSeconds` for a critical rule, else null (no SLA: never escalates).
 */
export function slaSecondsOf(rule: AlertRuleConfig, criticalSlaSeconds: number): number | null {
  const slaHours = rule.params['slaHours'];
  if (typeof slaHours === 'number' && slaHours > 0) return slaHours * 3600;
  return rule.severity === 'critical' ? criticalSlaSeconds : null;
}

/** Where an opening alert goes and by when it must be acknowledged. */
export interface OpeningPlacement {
  /** `priorityOf(severity, arrUsd)`. */
  readonly priority: number;
  readonly queue: string;
  readonly csmId: string | null;
  /** ISO-8601 due time on the pipeline clock, or null when the rule has no SLA. */
  readonly slaDueAt: string | null;
}

/**
 * Places an alert the lifecycle decision opens: its priority from severity and account ARR (USD
 * per year, undefined when unknown), the routed queue and CSM, and its SLA due time from its
 * opening event time. `queuedAt` is the wall time it reached the queue in wall mode (the SLA then
 * starts no earlier: late data keeps its whole SLA), null in event mode (a replay escalates at the
 * same event time). Throws RangeError from `slaDueAt` on an unparseable instant.
 */
export function placeOpenedAlert(
  alert: Pick<AlertState, 'severity' | 'openedAt'>,
  rule: AlertRuleConfig,
  placement: { readonly arrUsd: number | undefined; readonly queue: string; readonly csmId: string | null; readonly criticalSlaSeconds: number; readonly queuedAt: string | null },
): OpeningPlacement {
  const slaSeconds = slaSecondsOf(rule, placement.criticalSlaSeconds);
  return {
    priority: priorityOf(alert.severity, placement.arrUsd),
    queue: placement.queue,
    csmId: placement.csmId,
    slaDueAt: slaSeconds === null ? null : slaDueAt(alert.openedAt, slaSeconds, placement.queuedAt),
  };
}

/** Deterministic alert id (`al_` + 24 hex): reprocessing the same change proposes the same id. */
export function alertIdFor(changeId: string, ruleId: string): string {
  return `al_${createHash('sha256').update(`${changeId}|${ruleId}`).digest('hex').slice(0, 24)}`;
}

/**
 * Deterministic incident id (`in_` + 24 hex) of (account, category) from its group's first active
 * alert id in sort order (none: the empty string): reprocessing the same change proposes the same id.
 */
export function incidentIdFor(accountId: string, category: AlertCategory, activeAlertIds: readonly string[]): string {
  const first = [...activeAlertIds].sort()[0] ?? '';
  return `in_${createHash('sha256').update(`${accountId}|${category}|${first}`).digest('hex').slice(0, 24)}`;
}
