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
}

/**
 * The 360 read side: the score history (written by `AccountStateRepository.writeScores`), the
 * projections of other services' alerts and playbook runs, and the reads that assemble the 360 view. Writes run in the caller's transaction
 * (`manager`); reads run outside any transaction on the service's data source.
 */
@Injectable()
export class Account360Repository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Alert lifecycle projection; an older revision never overwrites a newer one. */
  async projectAlert(manager: EntityManager, alert: AlertLifecycleEvent): Promise<void> {
    await manager.query(
      `INSERT INTO scoring.account_alerts (alert_id, account_id, rule, category, severity, status, queue, priority, revision, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (alert_id) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status, queue = EXCLUDED.queue,
         priority = EXCLUDED.priority, revision = EXCLUDED.revision, occurred_at = EXCLUDED.occurred_at
       WHERE scoring.account_alerts.revision < EXCLUDED.revision`,
      [alert.alertId, alert.accountId, alert.rule, alert.category, alert.severity, alert.status, alert.queue, alert.priority, alert.revision, alert.occurredAt],
    );
  }

  /** Playbook run projection: started → active; ended → its outcome. */
  async projectRun(manager: EntityManager, run: PlaybookRunEvent): Promise<void> {
    if (run.kind === 'run.started') {
      await manager.query(
        `INSERT INTO scoring.account_runs (run_id, account_id, playbook_id, status, started_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $4)
         ON CONFLICT (run_id) DO NOTHING`,
        [run.runId, run.accountId, run.playbookId, run.occurredAt],
      );
    } else if (run.kind === 'run.ended') {
      await manager.query(
        `INSERT INTO scoring.account_runs (run_id, account_id, playbook_id, status, outcome, started_at, updated_at) VALUES ($1, $2, $3, 'ended', $4, $5, $5)
         ON CONFLICT (run_id) DO UPDATE SET status = 'ended', outcome = EXCLUDED.outcome, updated_at = EXCLUDED.updated_at`,
        [run.runId, run.accountId, run.playbookId, run.outcome ?? null, run.occurredAt],
      );
    }
  }

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
      `SELECT sequence, event_time AS "eventTime", health, band, churn_risk AS "churnRisk", segment, stage, drivers, reasons, cause
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
}
