import { type AlertCategory, type AlertOutcome } from '@bellwether/contracts';
import { toMillis } from '@bellwether/playbook-domain';
import { type AlertRecord } from './kpi.types';
import { compareStrings, groupBy, MS_PER_MINUTE, quantile } from './kpi-math.util';

export const ALERT_OUTCOMES = ['saved', 'churned', 'expanded', 'not_actionable'] as const satisfies readonly AlertOutcome[];

/** Time from opening to the first human response, in minutes. */
export interface TimeToAcknowledge {
  /** Median (see `quantile`: linear interpolation); `null` when nothing was acknowledged. */
  readonly medianMinutes: number | null;
  /** 90th percentile, same rule. */
  readonly p90Minutes: number | null;
  /** Alerts acknowledged (or resolved). */
  readonly n: number;
  /** Alerts neither acknowledged nor resolved: in neither percentile. */
  readonly unacknowledged: number;
}

/**
 * Minutes from `openedAt` to `acknowledgedAt`, or to `resolvedAt` for an alert resolved without
 * an explicit acknowledgement (resolving acknowledges); `null` for an alert with neither. A
 * negative span (clocks of two services a little apart) counts as 0.
 */
export function minutesToAcknowledge(alert: AlertRecord): number | null {
  const response = alert.acknowledgedAt ?? alert.resolvedAt;
  if (response === null) return null;
  return Math.max(0, (toMillis(response) - toMillis(alert.openedAt)) / MS_PER_MINUTE);
}

/** Median and p90 of `minutesToAcknowledge` over the alerts that have one. */
export function timeToAcknowledge(alerts: readonly AlertRecord[]): TimeToAcknowledge {
  const minutes = alerts.flatMap((alert) => {
    const value = minutesToAcknowledge(alert);
    return value === null ? [] : [value];
  });
  return { medianMinutes: quantile(minutes, 0.5), p90Minutes: quantile(minutes, 0.9), n: minutes.length, unacknowledged: alerts.length - minutes.length };
}

/** Alert volume of one rule. */
export interface RuleAlertVolume {
  readonly rule: string;
  readonly category: AlertCategory;
  /** Alerts opened (the volume). */
  readonly n: number;
  readonly resolved: number;
  /** Resolved alerts by outcome (product.md: outcomes feed the KPIs). */
  readonly outcomes: Readonly<Record<AlertOutcome, number>>;
  readonly timeToAcknowledge: TimeToAcknowledge;
}

/** Alerts per (rule, category), sorted by rule then category, each with outcomes and time to acknowledge. */
export function alertVolumeByRule(alerts: readonly AlertRecord[]): RuleAlertVolume[] {
  const groups = [...groupBy(alerts, (alert) => `${alert.rule}\u0000${alert.category}`).values()];
  return groups
    .map((members): RuleAlertVolume => {
      const outcomes = Object.fromEntries(ALERT_OUTCOMES.map((outcome) => [outcome, members.filter((alert) => alert.outcome === outcome).length])) as Record<AlertOutcome, number>;
      return {
        rule: members[0].rule,
        category: members[0].category,
        n: members.length,
        resolved: members.filter((alert) => alert.resolvedAt !== null).length,
        outcomes,
        timeToAcknowledge: timeToAcknowledge(members),
      };
    })
    .sort((a, b) => compareStrings(a.rule, b.rule) || compareStrings(a.category, b.category));
}
