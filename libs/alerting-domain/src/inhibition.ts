import type { AlertCategory, Segment } from '@bellwether/contracts';
import { isActive, type AlertState } from './alert-lifecycle';
import { findRule, type AlertRuleConfig, type RuleConcern, type RuleSet } from './rule-config';

/**
 * Whether a rule's new alert is held back by the account's other alerts (Alertmanager-style
 * inhibition). "Open" here means active: open, acknowledged or snoozed. `rules`: the rule set in
 * force, which says whom each open alert's rule concerns.
 * - expansion: while the segment is `at_risk` or any customer-risk alert is active. A rule about
 *   the CSM's own work (`concerns: 'csm'`, e.g. `neglect`) says nothing about the customer's
 *   readiness to grow, so its alerts do not hold expansion back;
 * - risk: never. Before incidents, an active critical risk alert held back less severe ones so a
 *   queue did not fill with one cause's alerts; now they join that critical alert's incident (one
 *   queue item listing every firing rule, issue 15), so holding them back would only hide evidence.
 * product.md's "a critical risk alert holds back lower ones" now holds at the queue: the lower
 * ones are listed in the critical one's incident instead of becoming queue items of their own.
 */
export function isInhibited(
  rule: AlertRuleConfig,
  openAlerts: readonly (Pick<AlertState, 'category' | 'severity' | 'status'> & { readonly ruleId?: string })[],
  segment: Segment,
  rules: RuleSet,
): boolean {
  if (rule.category !== 'expansion') return false;
  const activeRisk = openAlerts.filter((alert) => alert.category === 'risk' && isActive(alert));
  return segment === 'at_risk' || activeRisk.some((alert) => concernsOf(alert.ruleId, rules) === 'customer');
}

/**
 * Whether an alert of `category` would join the account's active incident of that category
 * rather than open a new queue item: some alert of the category is active. Such an alert spends
 * no contact budget (the budget caps queue items, i.e. incidents).
 */
export function joinsActiveIncident(category: AlertCategory, openAlerts: readonly Pick<AlertState, 'category' | 'status'>[]): boolean {
  return openAlerts.some((alert) => alert.category === category && isActive(alert));
}

/**
 * Whether a supporting rule (`opensIncident: false`) must hold its alert back: no alert of its
 * category is active, so it would open a queue item of its own. Once an incident of the category
 * is active, its alert opens into it as listed evidence.
 */
export function isSupportingOnly(rule: AlertRuleConfig, openAlerts: readonly Pick<AlertState, 'category' | 'status'>[]): boolean {
  return rule.opensIncident === false && !joinsActiveIncident(rule.category, openAlerts);
}

/**
 * Active alerts of supporting rules (`opensIncident: false`) left alone in their category: every
 * active alert of that category is a supporting one. Their incident would be a queue item made of
 * supporting evidence alone, so they resolve with it, at `now` (event time), without an outcome,
 * as a cleared condition does. `rules`: the rule set in force. Returns the resolved states, in the
 * given order.
 */
export function resolveSupportingLeftAlone<A extends AlertState>(active: readonly A[], now: string, rules: RuleSet): AlertState[] {
  const resolved: AlertState[] = [];
  for (const category of ['risk', 'expansion'] as const) {
    const group = active.filter((alert) => alert.category === category && isActive(alert));
    if (group.length === 0 || !group.every((alert) => findRule(rules, alert.ruleId)?.opensIncident === false)) continue;
    for (const alert of group) {
      const { snoozedUntil: _snoozedUntil, ...rest } = alert;
      resolved.push({ ...rest, status: 'resolved', resolvedAt: now, evidence: [...alert.evidence, 'cleared: the incident it supported resolved'], revision: alert.revision + 1 });
    }
  }
  return resolved;
}

/** Whom an alert's rule is about; an unknown rule (or an alert without one) is about the customer. */
function concernsOf(ruleId: string | undefined, rules: RuleSet): RuleConcern {
  return (ruleId === undefined ? undefined : findRule(rules, ruleId)?.concerns) ?? 'customer';
}
