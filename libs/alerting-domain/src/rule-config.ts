import { ownValue, type AlertCategory, type AlertSeverity } from '@bellwether/contracts';
import { alertSeverities } from './severity';

/** One alert rule as versioned data. Evaluators live in code; thresholds live here. */
export interface AlertRuleConfig {
  readonly id: string;
  readonly version: number;
  readonly category: AlertCategory;
  /** Base severity. An evaluator may raise it (never lower it) for a stronger signal. */
  readonly severity: AlertSeverity;
  readonly enabled: boolean;
  /** After a resolution, the same rule does not re-open for this long unless severity rises. */
  readonly cooldownHours: number;
  /** Resolve the alert automatically when the condition clears (no outcome is recorded). */
  readonly autoResolve: boolean;
  readonly params: Record<string, number>;
  /**
   * Hysteresis on opening (Alertmanager's `for`), in hours of event time: the condition must keep
   * firing at evaluations spanning at least this long before an alert opens; a clear evaluation
   * in between starts it over. 0 or absent: opens at the first firing evaluation (event signals:
   * a failed payment, a detractor answer, an escalation). See `hysteresis.ts`.
   */
  readonly holdsForHours?: number;
  /**
   * Hysteresis on auto-resolving, in hours of event time: an active alert resolves only after its
   * condition stayed clear at evaluations spanning at least this long; a firing evaluation in
   * between starts it over. 0 or absent: resolves at the first clear evaluation.
   */
  readonly clearForHours?: number;
  /**
   * Whom the rule is about: the customer (default) or the CSM's own work (`neglect`). Only
   * customer-risk alerts inhibit expansion (see `inhibition.ts`).
   */
  readonly concerns?: RuleConcern;
  /**
   * false: a supporting signal. Its alert opens only into an active incident of its category,
   * where it is listed as evidence; alone it is no queue item (see `isSupportingOnly`). For
   * rules too weak to be worth a CSM's minute on their own (the backtest's lift is the measure).
   * Default true.
   */
  readonly opensIncident?: boolean;
}

export type RuleConcern = 'customer' | 'csm';

export interface RuleSet {
  readonly version: string;
  readonly rules: AlertRuleConfig[];
}

/**
 * The built-in rules: every risk and expansion trigger of product.md "Alerts". Params are
 * thresholds and windows (days unless named otherwise; shares as 0–1).
 *
 * - Risk rules over a state (red, churn risk, trends, billing still unpaid, renewal, onboarding,
 *   neglect) resolve themselves when the condition clears.
 * - Rules over a moment (the 14-day drop, an escalation, a downgrade request, a detractor
 *   response) and the expansion rules wait for a person: a drop is an event, a cross-sell is a
 *   conversation. Their cool-downs cover their windows, so the same evidence does not re-open them.
 * - Windows of 7, 14, 30 and 60 days are those of the signals scoring publishes
 *   (`ScoreChanged.signals`); rules over signals have no opinion on changes without them.
 */
export const defaultRuleSet: RuleSet = {
  version: 'default-2026.3',
  rules: [
    // Risk: scores.
    { id: 'health_entered_red', version: 1, category: 'risk', severity: 'critical', enabled: true, cooldownHours: 24, autoResolve: true, params: {}, holdsForHours: 0, clearForHours: 72 },
    { id: 'health_dropped', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 14 * 24, autoResolve: false, params: { dropPoints: 15, withinDays: 14 } },
    { id: 'churn_risk_high', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: { threshold: 0.6, clearMargin: 0.05 }, holdsForHours: 48, clearForHours: 72 },
    { id: 'segment_at_risk', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: {}, holdsForHours: 48, clearForHours: 72 },
    // Risk: usage.
    { id: 'activity_dropped', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: { maxTrend: 0.5, minWeeklyBaseline: 5 }, holdsForHours: 72, clearForHours: 72 },
    { id: 'active_users_dropped', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 7 * 24, autoResolve: true, params: { dropShare: 0.3, minPreviousUsers: 3 }, holdsForHours: 72, clearForHours: 72 },
    { id: 'feature_contraction', version: 1, category: 'risk', severity: 'medium', enabled: true, cooldownHours: 14 * 24, autoResolve: true, params: { minFeatures: 1 }, holdsForHours: 72, clearForHours: 72 },
    // Long horizon (issue 15): a slow slide the 4-week baseline follows down, and a lost top user.
    { id: 'usage_declined_long', version: 1, category: 'risk', severity: 'medium', enabled: true, cooldownHours: 14 * 24, autoResolve: true, params: { maxRatio: 0.8, highRatio: 0.5, minWeeklyLevel: 10 }, holdsForHours: 72, clearForHours: 72 },
    { id: 'champion_lost', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 30 * 24, autoResolve: true, params: { minShare: 0.25, minDaysUnseen: 21, minOthersActive: 1, maxActivityKept: 0.85 }, holdsForHours: 0, clearForHours: 72 },
    // Risk: support.
    { id: 'support_surge', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 7 * 24, autoResolve: true, params: { multiple: 3, minTickets: 3 }, holdsForHours: 0, clearForHours: 72 },
    { id: 'support_topic_repeated', version: 1, category: 'risk', severity: 'medium', enabled: true, cooldownHours: 14 * 24, autoResolve: true, params: { minCount: 3 }, holdsForHours: 0, clearForHours: 72 },
    { id: 'support_escalation', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 7 * 24, autoResolve: false, params: { withinDays: 7 }, holdsForHours: 0 },
    // Risk: billing.
    { id: 'payment_failed', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 24, autoResolve: true, params: {}, holdsForHours: 0, clearForHours: 0 },
    { id: 'invoice_overdue', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 24, autoResolve: true, params: {}, holdsForHours: 0, clearForHours: 0 },
    { id: 'downgrade_requested', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { withinDays: 30 }, holdsForHours: 0 },
    // Risk: relationship.
    { id: 'engagement_decay', version: 1, category: 'risk', severity: 'medium', enabled: true, cooldownHours: 14 * 24, autoResolve: true, params: { dropShare: 0.5, minPreviousEmailOpens: 5, minPreviousEventsAttended: 2 }, holdsForHours: 72, clearForHours: 72, opensIncident: false },
    { id: 'nps_detractor', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 14 * 24, autoResolve: false, params: { maxScore: 6, withinDays: 14, slaHours: 48 }, holdsForHours: 0 },
    { id: 'renewal_at_risk', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 7 * 24, autoResolve: true, params: { withinDays: 90, clearMarginPoints: 5 }, holdsForHours: 72, clearForHours: 72 },
    { id: 'onboarding_stalled', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 7 * 24, autoResolve: true, params: { stalledDays: 14 }, holdsForHours: 0, clearForHours: 0 },
    { id: 'neglect', version: 1, category: 'risk', severity: 'medium', enabled: true, cooldownHours: 7 * 24, autoResolve: true, params: { days: 45, minArrUsd: 50_000 }, holdsForHours: 0, clearForHours: 0, concerns: 'csm' },
    // Expansion: each says why now; suppressed while the account is at risk (see inhibition).
    // Resolves itself (after 72 h clear): a seat cut or a team that shrank takes the proposal away.
    { id: 'seat_limit_near', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: true, params: { ratio: 0.9, minDaysSinceSeatCut: 14 }, holdsForHours: 48, clearForHours: 72 },
    { id: 'usage_limit_near', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { ratio: 0.9, maxAgeDays: 30 }, holdsForHours: 48 },
    { id: 'gated_feature_attempts', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { minAttempts: 3 } },
    { id: 'pricing_page_interest', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { minViews: 3 } },
    { id: 'business_growth', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { growth: 0.2, minPreviousUsers: 5 }, holdsForHours: 72 },
    { id: 'adoption_maturity', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { breadth: 0.8 }, holdsForHours: 72 },
    { id: 'renewal_expansion', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 90 * 24, autoResolve: false, params: { fromDays: 60, toDays: 90 } },
  ],
};

export function findRule(ruleSet: RuleSet, ruleId: string): AlertRuleConfig | undefined {
  return ruleSet.rules.find((rule) => rule.id === ruleId);
}

/**
 * Problems with a rule set, one sentence each; empty when it is usable. `requiredParams` maps a
 * rule id to the params its evaluator reads (see `scoreRuleParams`); ids it does not know are
 * only checked for shape.
 */
export function validateRuleSet(ruleSet: RuleSet, requiredParams: Readonly<Record<string, readonly string[]>> = {}): string[] {
  const errors: string[] = [];
  if (ruleSet.version.trim() === '') errors.push('rule set version is empty');
  const seen = new Set<string>();
  for (const rule of ruleSet.rules) {
    const at = `rule ${rule.id || '(no id)'}`;
    if (rule.id.trim() === '') errors.push('a rule has an empty id');
    if (seen.has(rule.id)) errors.push(`${at}: duplicate id`);
    seen.add(rule.id);
    if (!Number.isInteger(rule.version) || rule.version < 1) errors.push(`${at}: version must be a positive integer`);
    if (rule.category !== 'risk' && rule.category !== 'expansion') errors.push(`${at}: unknown category ${String(rule.category)}`);
    if (!alertSeverities.includes(rule.severity)) errors.push(`${at}: unknown severity ${String(rule.severity)}`);
    if (!Number.isFinite(rule.cooldownHours) || rule.cooldownHours < 0) errors.push(`${at}: cooldownHours must be a number ≥ 0`);
    for (const name of ['holdsForHours', 'clearForHours'] as const) {
      const hours = rule[name];
      if (hours !== undefined && (!Number.isFinite(hours) || hours < 0)) errors.push(`${at}: ${name} must be a number ≥ 0`);
    }
    if (rule.concerns !== undefined && rule.concerns !== 'customer' && rule.concerns !== 'csm') errors.push(`${at}: unknown concerns ${String(rule.concerns)}`);
    if (rule.opensIncident !== undefined && typeof rule.opensIncident !== 'boolean') errors.push(`${at}: opensIncident must be true or false`);
    for (const [name, value] of Object.entries(rule.params)) {
      if (!Number.isFinite(value)) errors.push(`${at}: param ${name} is not a finite number`);
    }
    for (const name of ownValue(requiredParams, rule.id) ?? []) {
      if (!(name in rule.params)) errors.push(`${at}: missing param ${name}`);
    }
  }
  return errors;
}
