import type { AlertCategory, AlertOutcome, AlertSeverity, AlertStatus } from '@bellwether/contracts';
import type { AlertRuleConfig } from './rule-config';
import type { RuleOutcome } from './rule.types';
import { compareSeverity, maxSeverity } from './severity';
import { HOUR_MS, instantMs } from './time.util';

/** One alert per (account, rule) while it is active; every change bumps `revision`. */
export interface AlertState {
  readonly alertId: string;
  readonly accountId: string;
  readonly ruleId: string;
  readonly category: AlertCategory;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  /** How many times the condition has fired into this alert. */
  readonly count: number;
  readonly openedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt?: string;
  readonly snoozedUntil?: string;
  /** Set by a person; an auto-resolved alert has none until someone records it. */
  readonly outcome?: AlertOutcome;
  readonly evidence: string[];
  readonly revision: number;
}

export type SuppressReason = 'cooldown' | 'inhibited' | 'supporting_only' | 'contact_budget';

export type AlertDecision =
  | { readonly kind: 'open'; readonly alert: AlertState }
  | { readonly kind: 'update'; readonly alert: AlertState }
  | { readonly kind: 'resolve'; readonly alert: AlertState }
  | { readonly kind: 'suppress'; readonly reason: SuppressReason }
  | { readonly kind: 'none' };

export interface DecideContext {
  /** The instant of the input (event time), ISO-8601. */
  readonly now: string;
  readonly accountId: string;
  /** Id for the alert if this decision opens one (the caller derives it, e.g. from the change id). */
  readonly newAlertId: string;
  readonly rule: AlertRuleConfig;
  /** From `isInhibited` over the account's other alerts and segment. */
  readonly inhibited: boolean;
  /** From `isSupportingOnly`: a supporting rule with no active incident of its category to join. */
  readonly supportingOnly?: boolean;
  /** Alerts the account may still open in the current period; an `open` decision spends one. */
  readonly contactBudgetLeft: number;
}

export type TransitionResult = { readonly ok: true; readonly alert: AlertState } | { readonly ok: false; readonly error: string };

const alertOutcomes: readonly AlertOutcome[] = ['saved', 'churned', 'expanded', 'not_actionable'];

/** Open, acknowledged or snoozed: the alert is still someone's work. */
export function isActive(alert: Pick<AlertState, 'status'>): boolean {
  return alert.status !== 'resolved';
}

/**
 * What a rule outcome does to the account's alert for that rule. `existing` is the active alert
 * of (account, rule) if there is one, else the most recently resolved one (for the cool-down),
 * else null.
 *
 * - firing, active alert → `update`: count + 1, last seen, evidence replaced, severity only rises.
 *   A rise in severity, or a snooze that has run out, puts the alert back to `open`.
 * - firing, no active alert → `suppress` (cool-down after a resolution unless severity rises;
 *   inhibited; contact budget spent), else `open`.
 * - clear, active alert, rule auto-resolves → `resolve` (no outcome; a person may add it later).
 * - anything else, or a disabled rule → `none`.
 */
export function decide(existing: AlertState | null, outcome: RuleOutcome, ctx: DecideContext): AlertDecision {
  if (outcome.ruleId !== ctx.rule.id) throw new Error(`decide: outcome of ${outcome.ruleId} given with rule ${ctx.rule.id}`);
  if (existing && (existing.ruleId !== outcome.ruleId || existing.accountId !== ctx.accountId)) {
    throw new Error(`decide: alert ${existing.alertId} is not for (${ctx.accountId}, ${outcome.ruleId})`);
  }
  if (!ctx.rule.enabled) return { kind: 'none' };

  if (outcome.state === 'clear') {
    if (existing && isActive(existing) && ctx.rule.autoResolve) {
      return {
        kind: 'resolve',
        alert: { ...withoutSnooze(existing), status: 'resolved', resolvedAt: ctx.now, evidence: [...existing.evidence, ...outcome.evidence.map((line) => `cleared: ${line}`)], revision: existing.revision + 1 },
      };
    }
    return { kind: 'none' };
  }

  if (existing && isActive(existing)) return { kind: 'update', alert: retrigger(existing, outcome, ctx.now) };

  if (existing && inCooldown(existing, ctx.rule, ctx.now) && compareSeverity(outcome.severity, existing.severity) <= 0) {
    return { kind: 'suppress', reason: 'cooldown' };
  }
  if (ctx.inhibited) return { kind: 'suppress', reason: 'inhibited' };
  if (ctx.supportingOnly === true) return { kind: 'suppress', reason: 'supporting_only' };
  if (ctx.contactBudgetLeft <= 0) return { kind: 'suppress', reason: 'contact_budget' };

  return {
    kind: 'open',
    alert: {
      alertId: ctx.newAlertId,
      accountId: ctx.accountId,
      ruleId: outcome.ruleId,
      category: outcome.category,
      severity: outcome.severity,
      status: 'open',
      count: 1,
      openedAt: ctx.now,
      lastSeenAt: ctx.now,
      evidence: [...outcome.evidence],
      revision: 1,
    },
  };
}

function retrigger(alert: AlertState, outcome: RuleOutcome, now: string): AlertState {
  const severity = maxSeverity(alert.severity, outcome.severity);
  const rose = compareSeverity(severity, alert.severity) > 0;
  const snoozeOver = alert.status === 'snoozed' && snoozeExpired(alert, now);
  const reopen = (rose && alert.status !== 'open') || snoozeOver;
  const base = reopen ? { ...withoutSnooze(alert), status: 'open' as const } : alert;
  return { ...base, severity, count: alert.count + 1, lastSeenAt: now, evidence: [...outcome.evidence], revision: alert.revision + 1 };
}

function inCooldown(alert: AlertState, rule: AlertRuleConfig, now: string): boolean {
  const resolvedAt = instantMs(alert.resolvedAt ?? alert.lastSeenAt);
  const at = instantMs(now);
  if (resolvedAt === null || at === null) return false;
  return at < resolvedAt + rule.cooldownHours * HOUR_MS;
}

function snoozeExpired(alert: AlertState, now: string): boolean {
  const until = alert.snoozedUntil === undefined ? null : instantMs(alert.snoozedUntil);
  const at = instantMs(now);
  return until === null || at === null ? false : at >= until;
}

function withoutSnooze(alert: AlertState): AlertState {
  const { snoozedUntil: _snoozedUntil, ...rest } = alert;
  return rest;
}

function invalidInstant(name: string, value: string): TransitionResult | null {
  return instantMs(value) === null ? { ok: false, error: `${name} is not an ISO-8601 instant: ${value}` } : null;
}

/** Open or snoozed → acknowledged. Acknowledging an acknowledged alert changes nothing. */
export function acknowledge(alert: AlertState, now: string): TransitionResult {
  const invalid = invalidInstant('now', now);
  if (invalid) return invalid;
  if (alert.status === 'resolved') return { ok: false, error: 'cannot acknowledge a resolved alert' };
  if (alert.status === 'acknowledged') return { ok: true, alert };
  return { ok: true, alert: { ...withoutSnooze(alert), status: 'acknowledged', revision: alert.revision + 1 } };
}

/** Open, acknowledged or snoozed → snoozed until `until`, which must be after `now`. */
export function snooze(alert: AlertState, until: string, now: string): TransitionResult {
  const invalid = invalidInstant('now', now) ?? invalidInstant('until', until);
  if (invalid) return invalid;
  if (alert.status === 'resolved') return { ok: false, error: 'cannot snooze a resolved alert' };
  if ((instantMs(until) ?? 0) <= (instantMs(now) ?? 0)) return { ok: false, error: `snooze until ${until} must be in the future (now ${now})` };
  return { ok: true, alert: { ...alert, status: 'snoozed', snoozedUntil: until, revision: alert.revision + 1 } };
}

/** A snoozed alert whose snooze has run out → open again (driven by the clock watermark). */
export function wake(alert: AlertState, now: string): TransitionResult {
  const invalid = invalidInstant('now', now);
  if (invalid) return invalid;
  if (alert.status !== 'snoozed') return { ok: false, error: `cannot wake a ${alert.status} alert` };
  if (!snoozeExpired(alert, now)) return { ok: false, error: `alert is snoozed until ${alert.snoozedUntil ?? '?'}` };
  return { ok: true, alert: { ...withoutSnooze(alert), status: 'open', revision: alert.revision + 1 } };
}

/**
 * Resolved with an outcome, by a person. An auto-resolved alert (no outcome yet) takes the
 * outcome and keeps its resolution time; an alert that already has an outcome is final.
 */
export function resolve(alert: AlertState, outcome: AlertOutcome, now: string): TransitionResult {
  const invalid = invalidInstant('now', now);
  if (invalid) return invalid;
  if (!alertOutcomes.includes(outcome)) return { ok: false, error: `unknown outcome ${String(outcome)}` };
  if (alert.status === 'resolved') {
    if (alert.outcome !== undefined) return { ok: false, error: `alert is already resolved as ${alert.outcome}` };
    return { ok: true, alert: { ...alert, outcome, revision: alert.revision + 1 } };
  }
  return { ok: true, alert: { ...withoutSnooze(alert), status: 'resolved', resolvedAt: now, outcome, revision: alert.revision + 1 } };
}
