import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, PlaybookRunEvent } from '@bellwether/contracts';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';
import type { StoredAccount } from '@bellwether/scoring-domain';
import { ACCOUNT_COLUMNS, storedAccountOf, type AccountRow } from '../scores/account-state.repository';

/** One point of an account's score history, as `GET /v1/accounts/{id}/scores` answers it. */
export interface ScoreHistoryRow {
  readonly sequence: number;
  readonly eventTime: Date;
  readonly health: number;
  readonly band: string;
  readonly churnRisk: number;
  readonly segment: string;
  readonly stage: string;
  readonly drivers: unknown;
  readonly reasons: string[];
  readonly cause: unknown;
  /** The scorecard version that made the score; null for rows written before it was recorded (migration 109). */
  readonly scorecardVersion: string | null;
}

/**
 * The 360 read side: the score history (written by `AccountStateRepository.writeScores`), the
 * projections of other services' alerts and playbook runs, and the reads that assemble the 360 view. Writes run in the caller's transaction
 * (`manager`); reads run outside any transaction on the service's data source.
 */
@Injectable()
export class Account360Repository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** An account's stored state and when it last changed, or null when scoring has never seen it. */
  async findAccount(accountId: string): Promise<(StoredAccount & { updatedAt: string }) | null> {
    const [row] = (await this.dataSource.manager.query(
      `SELECT ${ACCOUNT_COLUMNS}, updated_at FROM scoring.account_state WHERE account_id = $1`,
      [accountId],
    )) as (AccountRow & { updated_at: Date })[];
    return row ? { ...storedAccountOf(row), updatedAt: row.updated_at.toISOString() } : null;
  }

  /** The account's score history in [from, to) (either open), oldest first, at most `limit` points. */
  async scoreHistory(accountId: string, from: string | null, to: string | null, limit: number): Promise<ScoreHistoryRow[]> {
    return (await this.dataSource.manager.query(
      `SELECT sequence, event_time AS "eventTime", health, band, churn_risk AS "churnRisk", segment, stage, drivers, reasons, cause, scorecard_version AS "scorecardVersion"
       FROM scoring.score_history
       WHERE account_id = $1 AND ($2::timestamptz IS NULL OR event_time >= $2) AND ($3::timestamptz IS NULL OR event_time < $3)
       ORDER BY event_time, sequence LIMIT $4`,
      [accountId, from, to, limit],
    )) as ScoreHistoryRow[];
  }

  /** The account's alerts not resolved, highest priority first. */
  async openAlertsOf(accountId: string): Promise<unknown[]> {
    return (await this.dataSource.manager.query(
      `SELECT alert_id AS "alertId", rule, category, severity, status, queue, priority, occurred_at AS "occurredAt"
       FROM scoring.account_alerts WHERE account_id = $1 AND status <> 'resolved' ORDER BY priority DESC, occurred_at`,
      [accountId],
    )) as unknown[];
  }

  /** The account's active playbook runs, oldest first. */
  async activeRunsOf(accountId: string): Promise<unknown[]> {
    return (await this.dataSource.manager.query(
      `SELECT run_id AS "runId", playbook_id AS "playbookId", status, started_at AS "startedAt"
       FROM scoring.account_runs WHERE account_id = $1 AND status = 'active' ORDER BY started_at`,
      [accountId],
    )) as unknown[];
  }

  /**
   * Alert lifecycle projection of a whole batch in one statement (one typed array per column):
   * per alert the event of the highest revision wins (the first of equal ones, as record by
   * record), and an older revision never overwrites a newer stored one.
   */
  async projectAlerts(manager: EntityManager, alerts: readonly AlertLifecycleEvent[]): Promise<void> {
    if (alerts.length === 0) return;
    await manager.query(
      `INSERT INTO scoring.account_alerts (alert_id, account_id, rule, category, severity, status, queue, priority, revision, occurred_at)
       SELECT DISTINCT ON (alert_id) alert_id, account_id, rule, category, severity, status, queue, priority, revision, occurred_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::real[], $9::int[], $10::timestamptz[]) WITH ORDINALITY
         AS r(alert_id, account_id, rule, category, severity, status, queue, priority, revision, occurred_at, ord)
       ORDER BY alert_id, revision DESC, ord
       ON CONFLICT (alert_id) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status, queue = EXCLUDED.queue,
         priority = EXCLUDED.priority, revision = EXCLUDED.revision, occurred_at = EXCLUDED.occurred_at
       WHERE scoring.account_alerts.revision < EXCLUDED.revision`,
      [
        alerts.map((alert) => alert.alertId),
        alerts.map((alert) => alert.accountId),
        alerts.map((alert) => alert.rule),
        alerts.map((alert) => alert.category),
        alerts.map((alert) => alert.severity),
        alerts.map((alert) => alert.status),
        alerts.map((alert) => alert.queue),
        alerts.map((alert) => alert.priority),
        alerts.map((alert) => alert.revision),
        alerts.map((alert) => alert.occurredAt),
      ],
    );
  }

  /**
   * Playbook run projection of a whole batch in one statement (one typed array per column): the batch's events of each run are
   * folded in record order first (its first event inserts: started → active, ended → its
   * outcome; a later ended sets the outcome and time; a later started changes nothing), so the
   * row ends as applying the events one at a time would leave it. Other kinds are ignored.
   */
  async projectRuns(manager: EntityManager, runs: readonly PlaybookRunEvent[]): Promise<void> {
    const folded = new Map<string, { run_id: string; account_id: string; playbook_id: string; status: 'active' | 'ended'; outcome: string | null; started_at: string; updated_at: string }>();
    for (const run of runs) {
      if (run.kind !== 'run.started' && run.kind !== 'run.ended') continue;
      const ended = run.kind === 'run.ended';
      const row = folded.get(run.runId);
      if (!row) {
        folded.set(run.runId, {
          run_id: run.runId,
          account_id: run.accountId,
          playbook_id: run.playbookId,
          status: ended ? 'ended' : 'active',
          outcome: ended ? (run.outcome ?? null) : null,
          started_at: run.occurredAt,
          updated_at: run.occurredAt,
        });
      } else if (ended) {
        folded.set(run.runId, { ...row, status: 'ended', outcome: run.outcome ?? null, updated_at: run.occurredAt });
      }
    }
    if (folded.size === 0) return;
    const rows = [...folded.values()];
    await manager.query(
      `INSERT INTO scoring.account_runs (run_id, account_id, playbook_id, status, outcome, started_at, updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[])
       ON CONFLICT (run_id) DO UPDATE SET status = 'ended', outcome = EXCLUDED.outcome, updated_at = EXCLUDED.updated_at
       WHERE EXCLUDED.status = 'ended'`,
      (['run_id', 'account_id', 'playbook_id', 'status', 'outcome', 'started_at', 'updated_at'] as const).map((column) => rows.map((row) => row[column])),
    );
  }
}
