import { eventLimits, printableIdPattern, type AlertCategory, type AlertSeverity } from '@bellwether/contracts';
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
 * The params a rule's evaluator reads (see `scoreRuleParams`): `required` ones every config of the
 * rule must give, `optional` ones it may give (e.g. `criticalThreshold` of `churn_risk_high`).
 */
export interface RuleParamNames {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

/** Params any rule may carry besides its evaluator's: `slaHours`, its alerts' acknowledgement SLA (`slaSecondsOf`). */
export const commonRuleParams: readonly string[] = ['slaHours'];

/** A rule set checked by `ruleSetFromConfig`, or every problem with it. */
export type RuleSetValidation = { readonly ok: true; readonly ruleSet: RuleSet } | { readonly ok: false; readonly problems: readonly string[] };

const ruleSetFields: readonly string[] = ['version', 'rules'];
const ruleFields: readonly string[] = ['id', 'version', 'category', 'severity', 'enabled', 'cooldownHours', 'autoResolve', 'params', 'holdsForHours', 'clearForHours', 'concerns', 'opensIncident'];
const versionPattern = new RegExp(printableIdPattern);

/**
 * Every problem with a rule set, one sentence each, led by the field it is about (`version`,
 * `rules.3.severity`, `rules.3.params.dropPoints`); empty when it is usable. Takes any value (a
 * parsed RULES_FILE, or a `RuleSet` built in code), so the shape is checked too.
 *
 * - `version`: 1–200 printable ASCII characters without spaces (it is written on every alert and
 *   its `bellwether.alerts.v1` events, so it must pass their schema and Postgres text);
 * - `rules`: a non-empty list; each rule's `id` one of `knownRules` (the evaluators this service
 *   has, `scoreRuleParams`) and not repeated; `version` a positive integer; `category` risk or
 *   expansion; `severity` one of critical, high, medium, low; `enabled` and `autoResolve` true or
 *   false; `cooldownHours`, and `holdsForHours`/`clearForHours` when given, numbers ≥ 0;
 *   `concerns` customer or csm and `opensIncident` true or false when given; no other field;
 * - `params`: every param its evaluator requires, no param it does not read (`commonRuleParams`
 *   aside), each a number ≥ 0.
 */
export function validateRuleSet(ruleSet: unknown, knownRules: Readonly<Record<string, RuleParamNames>>): string[] {
  if (!isObject(ruleSet)) return ['rule set: must be a JSON object with version and rules'];
  const problems: string[] = [];
  for (const key of Object.keys(ruleSet)) if (!ruleSetFields.includes(key)) problems.push(`${key}: is not a rule set field (${ruleSetFields.join(', ')})`);
  const version = ruleSet['version'];
  if (typeof version !== 'string' || version.length > eventLimits.maxIdLength || !versionPattern.test(version)) {
    problems.push(`version: is required: 1 to ${eventLimits.maxIdLength} printable ASCII characters without spaces naming this rule set (e.g. acme-2026.4)`);
  }
  const rules = ruleSet['rules'];
  if (!Array.isArray(rules)) return [...problems, 'rules: is required (a list of rules)'];
  if (rules.length === 0) problems.push('rules: must list at least one rule');
  const firstIndexOf = new Map<string, number>();
  rules.forEach((rule: unknown, index) => problems.push(...ruleProblems(rule, index, knownRules, firstIndexOf)));
  return problems;
}

/**
 * A rule set from configuration (a parsed RULES_FILE): the whole set that alerting runs instead of
 * `defaultRuleSet` (a rule it leaves out does not run). Every problem names its field (see
 * `validateRuleSet`).
 */
export function ruleSetFromConfig(input: unknown, knownRules: Readonly<Record<string, RuleParamNames>>): RuleSetValidation {
  const problems = validateRuleSet(input, knownRules);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, ruleSet: input as RuleSet };
}

/** The problems of `rules[index]`; `firstIndexOf` remembers where each id was first seen, for duplicates. */
function ruleProblems(rule: unknown, index: number, knownRules: Readonly<Record<string, RuleParamNames>>, firstIndexOf: Map<string, number>): string[] {
  const at = `rules.${index}`;
  if (!isObject(rule)) return [`${at}: must be a JSON object`];
  const id = rule['id'];
  const known = typeof id === 'string' && Object.hasOwn(knownRules, id) ? knownRules[id] : undefined;
  const problems: string[] = [];
  const problem = (field: string, text: string) => problems.push(`${at}.${field}: ${text}${typeof id === 'string' && id !== '' && field !== 'id' ? ` (rule ${id})` : ''}`);

  for (const key of Object.keys(rule)) if (!ruleFields.includes(key)) problem(key, 'is not a rule field');
  if (typeof id !== 'string' || id === '') problem('id', 'is required (a rule id)');
  else if (!known) problem('id', `unknown rule ${id} (known: ${Object.keys(knownRules).join(', ')})`);
  else if (firstIndexOf.has(id)) problem('id', `duplicate rule ${id} (also rules.${firstIndexOf.get(id)})`);
  else firstIndexOf.set(id, index);

  const version = rule['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) problem('version', 'must be a positive integer');
  if (rule['category'] !== 'risk' && rule['category'] !== 'expansion') problem('category', 'must be risk or expansion');
  if (!alertSeverities.includes(rule['severity'] as AlertSeverity)) problem('severity', `must be one of ${alertSeverities.join(', ')}`);
  for (const field of ['enabled', 'autoResolve'] as const) if (typeof rule[field] !== 'boolean') problem(field, 'must be true or false');
  if (!isHours(rule['cooldownHours'])) problem('cooldownHours', 'must be a number of hours ≥ 0');
  for (const field of ['holdsForHours', 'clearForHours'] as const) if (rule[field] !== undefined && !isHours(rule[field])) problem(field, 'must be a number of hours ≥ 0');
  if (rule['concerns'] !== undefined && rule['concerns'] !== 'customer' && rule['concerns'] !== 'csm') problem('concerns', 'must be customer or csm');
  if (rule['opensIncident'] !== undefined && typeof rule['opensIncident'] !== 'boolean') problem('opensIncident', 'must be true or false');

  const params = rule['params'];
  if (!isObject(params)) {
    problem('params', 'is required (a JSON object of numbers)');
    return problems;
  }
  const reads = known ? [...known.required, ...known.optional, ...commonRuleParams] : null;
  for (const [name, value] of Object.entries(params)) {
    if (reads && !reads.includes(name)) problem(`params.${name}`, `is not a param of ${String(id)} (${reads.join(', ')})`);
    else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problem(`params.${name}`, 'must be a number ≥ 0');
  }
  for (const name of known?.required ?? []) if (!Object.hasOwn(params, name)) problem(`params.${name}`, `is required by ${String(id)}`);
  return problems;
}

function isHours(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
