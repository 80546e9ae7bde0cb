import type { AlertCategory, AlertSeverity } from '@bellwether/contracts';
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
}

export interface RuleSet {
  readonly version: string;
  readonly rules: AlertRuleConfig[];
}

/**
 * The built-in rules. Risk rules resolve themselves when the condition clears; the 14-day drop
 * and the expansion rule wait for a person (the drop is an event, the cross-sell a conversation),
 * and their cool-downs cover the window so the same evidence does not re-open them.
 */
export const defaultRuleSet: RuleSet = {
  version: 'default-2026.1',
  rules: [
    { id: 'health_entered_red', version: 1, category: 'risk', severity: 'critical', enabled: true, cooldownHours: 24, autoResolve: true, params: {} },
    { id: 'health_dropped', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 14 * 24, autoResolve: false, params: { dropPoints: 15, withinDays: 14 } },
    { id: 'churn_risk_high', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: { threshold: 0.6 } },
    { id: 'segment_at_risk', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: {} },
    { id: 'adoption_maturity', version: 1, category: 'expansion', severity: 'medium', enabled: true, cooldownHours: 30 * 24, autoResolve: false, params: { breadth: 0.8 } },
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
    for (const [name, value] of Object.entries(rule.params)) {
      if (!Number.isFinite(value)) errors.push(`${at}: param ${name} is not a finite number`);
    }
    for (const name of requiredParams[rule.id] ?? []) {
      if (!(name in rule.params)) errors.push(`${at}: missing param ${name}`);
    }
  }
  return errors;
}
