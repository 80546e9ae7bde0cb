import type { EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, PlaybookRunEvent, ScoreChanged, TelemetryEvent } from '@bellwether/contracts';
import type { StoredAccount } from '@bellwether/scoring-domain';

interface AccountRow {
  account_id: string;
  state: StoredAccount['state'];
  snapshot: StoredAccount['snapshot'];
  drivers: StoredAccount['drivers'];
  sequence: number;
  evaluated_as_of: Date | null;
  closed_through: Date | null;
}

export interface WatermarkRow {
  /** The pipeline watermark (minimum over the events topic's partitions; see `pipelineWatermark`). */
  readonly watermark: string | null;
  /** The newest wall-clock tick (wall mode only): where idle partitions stand. */
  readonly clockTick: string | null;
  readonly rolledThrough: string | null;
  readonly rollTarget: string | null;
  readonly rollCursor: string | null;
}

function toStored(row: AccountRow): StoredAccount {
  return {
    state: row.state,
    snapshot: row.snapshot,
    drivers: row.drivers,
    sequence: row.sequence,
    evaluatedAsOf: row.evaluated_as_of ? row.evaluated_as_of.toISOString() : null,
    closedThrough: row.closed_through ? row.closed_through.toISOString() : null,
  };
}

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

/** SQL of the scoring schema; every statement is parameterized and set-based (one per batch). */
export class AccountStateRepository {
  /** Records event ids; returns those not seen before (the ones to apply). */
  async claimEvents(manager: EntityManager, events: readonly TelemetryEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = (await manager.query(
      `INSERT INTO scoring.processed_events (event_id, account_id)
       SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [events.map((event) => event.id), events.map((event) => event.accountId)],
    )) as { event_id: string }[];
    return new Set(rows.map((row) => row.event_id));
  }

  /** Loads and row-locks the accounts, so concurrent consumers of a rebalanced partition serialize. */
  async lockAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    const rows = (await manager.query(
      `SELECT account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through FROM scoring.account_state
       WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`,
      [accountIds],
    )) as AccountRow[];
    return new Map(rows.map((row) => [row.account_id, toStored(row)]));
  }

  /** The next chunk of accounts after `cursor` (by id) not closed through `boundary`, locked, for the day-roll. */
  async lockAccountsToClose(manager: EntityManager, cursor: string | null, boundary: string, limit: number): Promise<Map<string, StoredAccount>> {
    const rows = (await manager.query(
      `SELECT account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through FROM scoring.account_state
       WHERE account_id > $1 AND (closed_through IS NULL OR closed_through < $2) ORDER BY account_id LIMIT $3 FOR UPDATE`,
      [cursor ?? '', boundary, limit],
    )) as AccountRow[];
    return new Map(rows.map((row) => [row.account_id, toStored(row)]));
  }

  async findAccount(manager: EntityManager, accountId: string): Promise<(StoredAccount & { updatedAt: string }) | null> {
    const [row] = (await manager.query(
      'SELECT account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, updated_at FROM scoring.account_state WHERE account_id = $1',
      [accountId],
    )) as (AccountRow & { updated_at: Date })[];
    return row ? { ...toStored(row), updatedAt: row.updated_at.toISOString() } : null;
  }

  async readWatermark(manager: EntityManager): Promise<WatermarkRow> {
    const [row] = (await manager.query('SELECT watermark, clock_tick, rolled_through, roll_target, roll_cursor FROM scoring.watermark WHERE id = 1')) as {
      watermark: Date | null;
      clock_tick: Date | null;
      rolled_through: Date | null;
      roll_target: Date | null;
      roll_cursor: string | null;
    }[];
    return {
      watermark: row?.watermark?.toISOString() ?? null,
      clockTick: row?.clock_tick?.toISOString() ?? null,
      rolledThrough: row?.rolled_through?.toISOString() ?? null,
      rollTarget: row?.roll_target?.toISOString() ?? null,
      rollCursor: row?.roll_cursor ?? null,
    };
  }

  /** The newest event time read from each partition of the events topic that has had one. */
  async partitionWatermarks(manager: EntityManager): Promise<Map<number, string>> {
    const rows = (await manager.query('SELECT partition, watermark FROM scoring.partition_watermarks')) as { partition: number; watermark: Date }[];
    return new Map(rows.map((row) => [row.partition, row.watermark.toISOString()]));
  }

  async advancePartitionWatermark(manager: EntityManager, partition: number, to: string): Promise<void> {
    await manager.query(
      `INSERT INTO scoring.partition_watermarks (partition, watermark) VALUES ($1, $2)
       ON CONFLICT (partition) DO UPDATE SET watermark = GREATEST(scoring.partition_watermarks.watermark, EXCLUDED.watermark)`,
      [partition, to],
    );
  }

  /** Moves the pipeline watermark forward only; returns the new value when it moved, else null. */
  async advanceWatermark(manager: EntityManager, to: string): Promise<string | null> {
    const rows = (await manager.query(
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH moved AS (
         UPDATE scoring.watermark SET watermark = $1::timestamptz WHERE id = 1 AND (watermark IS NULL OR watermark < $1::timestamptz) RETURNING watermark
       ) SELECT watermark FROM moved`,
      [to],
    )) as { watermark: Date }[];
    return rows[0]?.watermark.toISOString() ?? null;
  }

  /** Keeps the newest wall-clock tick (forward only). */
  async advanceClockTick(manager: EntityManager, to: string): Promise<void> {
    await manager.query('UPDATE scoring.watermark SET clock_tick = GREATEST(COALESCE(clock_tick, $1::timestamptz), $1::timestamptz) WHERE id = 1', [to]);
  }

  async saveRollProgress(manager: EntityManager, progress: { rollTarget: string | null; rollCursor: string | null; rolledThrough?: string }): Promise<void> {
    await manager.query(
      'UPDATE scoring.watermark SET roll_target = $1, roll_cursor = $2, rolled_through = COALESCE($3::timestamptz, rolled_through) WHERE id = 1',
      [progress.rollTarget, progress.rollCursor, progress.rolledThrough ?? null],
    );
  }

  async scoreHistory(manager: EntityManager, accountId: string, from: string | null, to: string | null, limit: number): Promise<ScoreHistoryRow[]> {
    return (await manager.query(
      `SELECT sequence, event_time AS "eventTime", health, band, churn_risk AS "churnRisk", segment, stage, drivers, reasons, cause
       FROM scoring.score_history
       WHERE account_id = $1 AND ($2::timestamptz IS NULL OR event_time >= $2) AND ($3::timestamptz IS NULL OR event_time < $3)
       ORDER BY event_time, sequence LIMIT $4`,
      [accountId, from, to, limit],
    )) as ScoreHistoryRow[];
  }

  async openAlertsOf(manager: EntityManager, accountId: string): Promise<unknown[]> {
    return (await manager.query(
      `SELECT alert_id AS "alertId", rule, category, severity, status, queue, priority, occurred_at AS "occurredAt"
       FROM scoring.account_alerts WHERE account_id = $1 AND status <> 'resolved' ORDER BY priority DESC, occurred_at`,
      [accountId],
    )) as unknown[];
  }

  async activeRunsOf(manager: EntityManager, accountId: string): Promise<unknown[]> {
    return (await manager.query(
      `SELECT run_id AS "runId", playbook_id AS "playbookId", status, started_at AS "startedAt"
       FROM scoring.account_runs WHERE account_id = $1 AND status = 'active' ORDER BY started_at`,
      [accountId],
    )) as unknown[];
  }

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

  async saveAccounts(manager: EntityManager, accounts: ReadonlyMap<string, StoredAccount>): Promise<void> {
    if (accounts.size === 0) return;
    const entries = [...accounts];
    await manager.query(
      `INSERT INTO scoring.account_state (account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, updated_at)
       SELECT id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, now()
       FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::jsonb[], $5::int[], $6::timestamptz[], $7::timestamptz[])
         AS t(id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through)
       ON CONFLICT (account_id) DO UPDATE SET
         state = EXCLUDED.state, snapshot = EXCLUDED.snapshot, drivers = EXCLUDED.drivers, sequence = EXCLUDED.sequence,
         evaluated_as_of = EXCLUDED.evaluated_as_of, closed_through = EXCLUDED.closed_through, updated_at = now()`,
      [
        entries.map(([id]) => id),
        entries.map(([, stored]) => JSON.stringify(stored.state)),
        entries.map(([, stored]) => (stored.snapshot ? JSON.stringify(stored.snapshot) : null)),
        entries.map(([, stored]) => (stored.drivers ? JSON.stringify(stored.drivers) : null)),
        entries.map(([, stored]) => stored.sequence),
        entries.map(([, stored]) => stored.evaluatedAsOf),
        entries.map(([, stored]) => stored.closedThrough),
      ],
    );
  }

  async appendHistory(manager: EntityManager, changes: readonly ScoreChanged[]): Promise<void> {
    if (changes.length === 0) return;
    await manager.query(
      `INSERT INTO scoring.score_history (account_id, sequence, event_time, health, band, churn_risk, segment, stage, drivers, reasons, cause)
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::smallint[], $5::text[], $6::real[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[], $11::jsonb[])`,
      [
        changes.map((change) => change.accountId),
        changes.map((change) => change.sequence),
        changes.map((change) => change.eventTime),
        changes.map((change) => change.after.health),
        changes.map((change) => change.after.band),
        changes.map((change) => change.after.churnRisk),
        changes.map((change) => change.after.segment),
        changes.map((change) => change.after.stage),
        changes.map((change) => JSON.stringify(change.drivers)),
        changes.map((change) => JSON.stringify(change.reasons)),
        changes.map((change) => JSON.stringify(change.cause)),
      ],
    );
  }
}
