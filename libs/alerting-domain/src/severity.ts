import type { AlertSeverity } from '@bellwether/contracts';

const rank: Readonly<Record<AlertSeverity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

export const alertSeverities: readonly AlertSeverity[] = ['critical', 'high', 'medium', 'low'];

/** Positive when `a` is more severe than `b`, negative when less, 0 when equal. */
export function compareSeverity(a: AlertSeverity, b: AlertSeverity): number {
  return rank[a] - rank[b];
}

export function maxSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return compareSeverity(a, b) >= 0 ? a : b;
}
