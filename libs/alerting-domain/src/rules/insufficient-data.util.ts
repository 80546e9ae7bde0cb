import type { ScoreChanged } from '@bellwether/contracts';

/**
 * Whether a change's scores are no opinion: scoring marked the snapshot `insufficientData` (too
 * little of the scorecard's weight has data, e.g. a new account or one without product
 * telemetry). Rules over health, band, segment or churn risk return null (no opinion) on it, so
 * they neither open nor resolve anything; rules over event signals (a failed payment, a
 * detractor) still judge. Changes published before the flag existed have it absent: an opinion.
 */
export function scoresLackData(change: ScoreChanged): boolean {
  return change.after.insufficientData === true;
}
