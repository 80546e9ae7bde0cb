import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import type { AppLogger } from '../logging/logger';
import { IntervalWorker } from '../scheduling/interval-worker';

/**
 * One table the pruner keeps short. Identifiers come from code, never from input, and are quoted;
 * `condition` is a trusted SQL predicate over the table's columns (e.g. `published_at IS NOT NULL`).
 */
export interface RetentionTableSpec {
  readonly schema: string;
  readonly table: string;
  /** A timestamptz column, ideally indexed: rows with `column < now() - retention` are deleted. */
  readonly timeColumn: string;
  readonly condition?: string;
  /** How long rows are kept, seconds (≥ 0; 0 deletes every row matching `condition`). */
  readonly retentionSeconds: number;
}

export interface RetentionPrunerOptions {
  readonly tables: readonly RetentionTableSpec[];
  /** Most rows one DELETE statement removes (its locks are held only that long). */
  readonly batchSize: number;
  /** Most DELETE statements per table in one pass; the next pass continues where it stopped. */
  readonly maxBatchesPerPass?: number;
  /** Time between passes, milliseconds. */
  readonly intervalMs: number;
}

const retentionMetrics = {
  pruned: new Counter({ name: 'bellwether_retention_pruned_total', help: 'Rows deleted by the retention pruner', labelNames: ['table'] as const }),
  failures: new Counter({ name: 'bellwether_retention_prune_failures_total', help: 'Failed retention prune passes', labelNames: ['table'] as const }),
};

/** `schema.table`, the `table` label of the pruner's metrics. */
export function retentionTableLabel(spec: RetentionTableSpec): string {
  return `${spec.schema}.${spec.table}`;
}

/**
 * Deletes rows past their retention in bounded batches: each statement removes at most
 * `batchSize` rows (`ctid IN (SELECT … LIMIT n)`), a pass at most `maxBatchesPerPass` statements
 * per table, so a backlog is worked off over several passes and no statement holds locks long.
 * The cutoff is the database's `now()`, so every replica agrees on it; concurrent pruners on
 * several replicas only race to delete the same rows, which is harmless. A failing table is
 * logged and counted, and does not stop the other tables or later passes.
 */
export class RetentionPruner {
  private readonly worker: IntervalWorker;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: AppLogger,
    private readonly options: RetentionPrunerOptions,
  ) {
    this.worker = new IntervalWorker(options.intervalMs, () => this.pruneOnce());
  }

  /** Starts the passes: one at once, then one every `intervalMs`. */
  start(): void {
    this.stopping = false;
    this.worker.start();
    this.worker.nudge();
  }

  /** Stops the passes and waits for one under way (it finishes its current statement and stops). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.stop();
  }

  /** One pass over every table; returns the rows deleted per `schema.table`. Exposed for tests and tools. */
  async pruneOnce(): Promise<Map<string, number>> {
    const deleted = new Map<string, number>();
    for (const spec of this.options.tables) {
      const label = retentionTableLabel(spec);
      try {
        deleted.set(label, await this.pruneTable(spec));
      } catch (error) {
        retentionMetrics.failures.inc({ table: label });
        this.logger.warn({ table: label, error: error instanceof Error ? error.message : String(error) }, 'retention prune failed, retrying next pass');
        deleted.set(label, 0);
      }
    }
    return deleted;
  }

  private async pruneTable(spec: RetentionTableSpec): Promise<number> {
    const label = retentionTableLabel(spec);
    const batchSize = this.options.batchSize;
    const maxBatches = this.options.maxBatchesPerPass ?? 10;
    const statement = pruneStatement(spec);
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const [{ removed }] = (await this.dataSource.query(statement, [spec.retentionSeconds, batchSize])) as { removed: number }[];
      total += removed;
      if (removed > 0) retentionMetrics.pruned.inc({ table: label }, removed);
      if (removed < batchSize || this.stopping) break;
    }
    return total;
  }
}

/**
 * The bounded DELETE of one table: `$1` retention in seconds, `$2` most rows; answers one row
 * `{ removed }` (wrapped in a CTE: TypeORM answers a bare DELETE with [rows, count]).
 */
export function pruneStatement(spec: RetentionTableSpec): string {
  const table = `"${spec.schema}"."${spec.table}"`;
  const column = `"${spec.timeColumn}"`;
  const condition = spec.condition ? ` AND (${spec.condition})` : '';
  return `WITH gone AS (
    DELETE FROM ${table} WHERE ctid IN (
      SELECT ctid FROM ${table} WHERE ${column} < now() - make_interval(secs => $1)${condition} LIMIT $2
    ) RETURNING 1
  ) SELECT count(*)::int AS removed FROM gone`;
}
