import type { AlertSeverity } from '@bellwether/contracts';
import { arrBandOf, type ArrBand } from './arr-tier';

/** One severity step doubles the weight. */
export const severityWeight: Readonly<Record<AlertSeverity, number>> = { critical: 8, high: 4, medium: 2, low: 1 };

/** Account value multiplier per ARR band (see `arr-tier.ts`); unknown ARR is the lowest. */
export const arrBandMultiplier: Readonly<Record<ArrBand, number>> = { lt_10k: 2, lt_50k: 3, lt_250k: 4, gte_250k: 6 };

/**
 * Queue priority, higher first: severity weight × ARR multiplier (2 … 48). A high alert on a
 * ≥ 250k account (24) outranks a critical one under 10k (16): "a large contract with falling
 * usage first". Ties are broken by the queue (oldest first).
 */
export function priorityOf(severity: AlertSeverity, arrUsd?: number): number {
  return severityWeight[severity] * arrBandMultiplier[arrBandOf(arrUsd)];
}
