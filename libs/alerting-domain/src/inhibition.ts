import type { AlertSeverity, Segment } from '@bellwether/contracts';
import { isActive, type AlertState } from './alert-lifecycle';
import type { AlertRuleConfig } from './rule-config';
import { compareSeverity } from './severity';

/**
 * Whether a rule's new alert is held back by the account's other alerts (Alertmanager-style
 * inhibition). "Open" here means active: open, acknowledged or snoozed.
 * - expansion: while the segment is `at_risk` or any risk alert is active;
 * - risk: while an active critical risk alert exists and this alert is less severe.
 * `severity` is the outcome's (it may be above the rule's base severity).
 */
export function isInhibited(
  rule: AlertRuleConfig,
  openAlerts: readonly Pick<AlertState, 'category' | 'severity' | 'status'>[],
  segment: Segment,
  severity: AlertSeverity = rule.severity,
): boolean {
  const activeRisk = openAlerts.filter((alert) => alert.category === 'risk' && isActive(alert));
  if (rule.category === 'expansion') return segment === 'at_risk' || activeRisk.length > 0;
  return compareSeverity(severity, 'critical') < 0 && activeRisk.some((alert) => alert.severity === 'critical');
}
