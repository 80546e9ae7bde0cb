import { DAY_MS } from '@bellwether/contracts';
import { incidentsFromAlerts, readAlertEpisodes, type DailyChurnRisk, type Incident, type Queryable } from '@bellwether/testing';

/** Where the incidents came from: alerting's own table, or grouped here from the alert episodes. */
export type IncidentSource = 'alerting.incidents' | 'derived from alerting.alerts';

/**
 * The one reader of incidents. Reads `alerting.incidents(id, account_id, category, severity,
 * opened_at, resolved_at, rule_ids, csm_id, …)` when alerting has it; before that table exists,
 * groups the alert episodes of `alerting.alerts` per (account, category) into overlapping runs
 * (`incidentsFromAlerts`), and says so.
 */
export async function readIncidents(db: Queryable): Promise<{ readonly incidents: Incident[]; readonly source: IncidentSource }> {
  const exists = await db.query<{ present: boolean }>("SELECT to_regclass('alerting.incidents') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return { incidents: incidentsFromAlerts(await readAlertEpisodes(db)), source: 'derived from alerting.alerts' };
  const result = await db.query<{ id: string; account_id: string; category: string; severity: string; opened_at: Date; resolved_at: Date | null; rule_ids: string[] | null; csm_id: string | null }>(
    'SELECT id::text AS id, account_id, category, severity, opened_at, resolved_at, rule_ids, csm_id FROM alerting.incidents ORDER BY account_id, category, opened_at',
  );
  return {
    incidents: result.rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      category: row.category,
      severity: row.severity,
      openedAt: row.opened_at.toISOString(),
      resolvedAt: row.resolved_at?.toISOString() ?? null,
      rules: row.rule_ids ?? [],
      csmId: row.csm_id,
    })),
    source: 'alerting.incidents',
  };
}

/** Each account's churn risk at the end of each UTC day it was scored on: the day's last score_history row. */
export async function readDailyChurnRisk(db: Queryable): Promise<DailyChurnRisk[]> {
  const result = await db.query<{ account_id: string; day: Date; churn_risk: string | number }>(
    `SELECT DISTINCT ON (account_id, date_trunc('day', event_time AT TIME ZONE 'UTC'))
            account_id, date_trunc('day', event_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, churn_risk
       FROM scoring.score_history
      ORDER BY account_id, date_trunc('day', event_time AT TIME ZONE 'UTC'), event_time DESC, sequence DESC`,
  );
  return result.rows.map((row) => ({ accountId: row.account_id, dayMs: Math.floor(row.day.getTime() / DAY_MS) * DAY_MS, churnRisk: Number(row.churn_risk) }));
}
