import type { AlertSeverity, Segment } from '@bellwether/contracts';
import { isActive, type AlertState } from './alert-lifecycle';
import { defaultRuleSet, findRule, type AlertRuleConfig, type RuleConcern, type RuleSet } from './rule-config';
import { compareSeverity } from './severity';

/**
 * Whether a rule's new alert is held back by the account's other alerts (Alertmanager-style
 * inhibition). "Open" here means active: open, acknowledged or snoozed.
 * - expansion: while the segment is `at_risk` or any customer-risk alert is active. A rule about
 *   the CSM's own work (`concerns: 'csm'`, e.g. `neglect`) says nothing about the customer's
 *   readiness to grow, so its alerts do not hold expansion back;
 * - risk: while an active critical risk alert exists and this alert is less severe.
 * `severity` is the outcome's (it may be above the rule's base severity).
 */
export function isInhibited(
  rule: AlertRuleConfig,
  openAlerts: readonly (Pick<AlertState, 'category' | 'severity' | 'status'> & { readonly ruleId?: string })[],
  segment: Segment,
  severity: AlertSeverity = rule.severity,
  rules: RuleSet = defaultRuleSet,
): boolean {
  const activeRisk = openAlerts.filter((alert) => alert.category === 'risk' && isActive(alert));
  if (rule.category === 'expansion') return segment === 'at_risk' || activeRisk.some((alert) => concernsOf(alert.ruleId, rules) === 'customer');
  return compareSeverity(severity, 'critical') < 0 && activeRisk.some((alert) => alert.severity === 'critical');
}

/** Whom an alert's rule is about; an unknown rule (or an alert without one) is about the customer. */
function concernsOf(ruleId: string | undefined, rules: RuleSet): RuleConcern {
  return (ruleId === undefined ? undefined : findRule(rules, ruleId)?.concerns) ?? 'customer';
}
