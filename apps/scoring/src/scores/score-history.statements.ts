import type { ScoreChanged } from '@bellwether/contracts';

/** A score change as an element of the JSON array `scoreHistoryInsertSql` reads. */
export function scoreHistoryRowOf(change: ScoreChanged): Record<string, unknown> {
  return {
    account_id: change.accountId,
    sequence: change.sequence,
    event_time: change.eventTime,
    health: change.after.health,
    band: change.after.band,
    churn_risk: change.after.churnRisk,
    segment: change.after.segment,
    stage: change.after.stage,
    drivers: change.drivers,
    reasons: change.reasons,
    cause: change.cause,
    scorecard_version: change.scorecardVersion,
  };
}

/**
 * An INSERT into `scoring.score_history` of the rows of `rowsJson` (an SQL expression of a jsonb
 * array of `scoreHistoryRowOf` elements): for a CTE of the one set-based write of a batch.
 * `created_at` is when the statement ran (`clock_timestamp()`, just before the commit), not the
 * transaction's start (`now()`): the benchmark's per-stage latency reads it.
 */
export function scoreHistoryInsertSql(rowsJson: string): string {
  return `INSERT INTO scoring.score_history (account_id, sequence, event_time, health, band, churn_risk, segment, stage, drivers, reasons, cause, scorecard_version, created_at)
     SELECT account_id, sequence, event_time, health, band, churn_risk, segment, stage, drivers, reasons, cause, scorecard_version, clock_timestamp()
     FROM jsonb_to_recordset(${rowsJson}) AS h(account_id text, sequence int, event_time timestamptz, health smallint, band text, churn_risk real,
       segment text, stage text, drivers jsonb, reasons jsonb, cause jsonb, scorecard_version text)
     RETURNING 1`;
}
