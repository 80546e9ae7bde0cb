/**
 * Every knob of `npm run backtest` (BACKTEST_*), read from the environment, with the defaults of
 * the documented run (docs/signal-quality.md). run.sh sets the database, Redis db, namespace and build.
 */

import { DAY_MS } from '@bellwether/contracts';
import { assertScratchDatabase, intFromEnv, numberFromEnv, stackRunFromEnv, type StackRunConfig } from '../common/run-knobs';

export interface BacktestConfig extends StackRunConfig {
  /** The report section this run writes (`baseline-15`, `after`, …); other sections are kept. */
  readonly label: string;
  /** The NDJSON history to replay (BACKTEST_FILE); null: write the synthetic one first (to `syntheticPath`). */
  readonly historyFile: string | null;
  readonly syntheticPath: string;
  /** The synthetic history's shape (used only when no file is given). */
  readonly synthetic: {
    readonly seed: string;
    readonly accounts: number;
    readonly days: number;
    readonly eventsPerActiveUser: number;
    readonly seats: readonly [number, number];
    readonly accountsPerCsm: number;
    /** The "now" the history is anchored to: midnight UTC of this day (YYYY-MM-DD). */
    readonly anchorDay: string;
  };
  /** N of "AUC of churn risk N days ahead". */
  readonly aucAheadDays: number;
  readonly batchSize: number;
  readonly drainTimeoutMs: number;
  /** The services' Kafka consumer session timeout (BACKTEST_KAFKA_SESSION_TIMEOUT_MS, default 30 s). */
  readonly sessionTimeoutMs: number;
  /** The commit the build was made from (`<sha>` or `<sha>+dirty`). */
  readonly gitCommit: string;
  /** The command that reproduces this run, as a person would type it. */
  readonly command: string;
}

/** A database the backtest may wipe: its name must say so. */
export function assertBacktestDatabase(databaseUrl: string): void {
  assertScratchDatabase(databaseUrl, 'backtest');
}

export function loadBacktestConfig(): BacktestConfig {
  const stack = stackRunFromEnv('backtest', { redisDb: 5, basePort: 5400, reportPath: 'docs/signal-quality.md' });
  const label = process.env['BACKTEST_LABEL'] ?? 'latest';
  if (!/^[a-z0-9-]{1,40}$/.test(label)) throw new Error(`BACKTEST_LABEL must be lowercase letters, digits and dashes (got "${label}")`);
  const historyFile = process.env['BACKTEST_FILE'] || null;
  const anchorDay = process.env['BACKTEST_ANCHOR'] ?? new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(anchorDay) || Number.isNaN(Date.parse(`${anchorDay}T00:00:00Z`))) throw new Error(`BACKTEST_ANCHOR must be a day, YYYY-MM-DD (got "${anchorDay}")`);
  if (Date.parse(`${anchorDay}T00:00:00Z`) > Date.now()) throw new Error(`BACKTEST_ANCHOR ${anchorDay} is in the future: the events must lie in the past`);
  const seatsText = process.env['BACKTEST_SEATS'] ?? '4-12';
  const seatsMatch = /^(\d+)-(\d+)$/.exec(seatsText);
  if (!seatsMatch) throw new Error(`BACKTEST_SEATS must be <min>-<max> (got "${seatsText}")`);
  const synthetic = {
    seed: process.env['BACKTEST_SEED'] ?? '15',
    accounts: intFromEnv('BACKTEST_ACCOUNTS', 300, 1),
    days: intFromEnv('BACKTEST_DAYS', 180, 14),
    eventsPerActiveUser: numberFromEnv('BACKTEST_EVENTS_PER_ACTIVE_USER', 2, 1),
    seats: [Number(seatsMatch[1]), Number(seatsMatch[2])] as const,
    accountsPerCsm: intFromEnv('BACKTEST_ACCOUNTS_PER_CSM', 50, 1),
    anchorDay,
  };
  const aucAheadDays = intFromEnv('BACKTEST_AUC_DAYS', 30, 1);
  // Everything that shapes the result goes into the command, so a later run can repeat it exactly.
  const command = [
    `BACKTEST_LABEL=${label}`,
    ...(historyFile
      ? [`BACKTEST_FILE=${historyFile}`]
      : [
          `BACKTEST_ANCHOR=${anchorDay}`,
          ...(synthetic.seed !== '15' ? [`BACKTEST_SEED=${synthetic.seed}`] : []),
          ...(synthetic.accounts !== 300 ? [`BACKTEST_ACCOUNTS=${synthetic.accounts}`] : []),
          ...(synthetic.days !== 180 ? [`BACKTEST_DAYS=${synthetic.days}`] : []),
          ...(synthetic.eventsPerActiveUser !== 2 ? [`BACKTEST_EVENTS_PER_ACTIVE_USER=${synthetic.eventsPerActiveUser}`] : []),
          ...(seatsText !== '4-12' ? [`BACKTEST_SEATS=${seatsText}`] : []),
          ...(synthetic.accountsPerCsm !== 50 ? [`BACKTEST_ACCOUNTS_PER_CSM=${synthetic.accountsPerCsm}`] : []),
        ]),
    ...(aucAheadDays !== 30 ? [`BACKTEST_AUC_DAYS=${aucAheadDays}`] : []),
    'npm run backtest',
  ].join(' ');
  return {
    ...stack,
    label,
    historyFile,
    syntheticPath: `${stack.workDir}/history-seed-${synthetic.seed}.ndjson`,
    synthetic,
    aucAheadDays,
    batchSize: intFromEnv('BACKTEST_BATCH', 500, 1),
    drainTimeoutMs: intFromEnv('BACKTEST_DRAIN_TIMEOUT_SECONDS', 3600, 10) * 1000,
    sessionTimeoutMs: intFromEnv('BACKTEST_KAFKA_SESSION_TIMEOUT_MS', 30_000, 6000),
    gitCommit: process.env['BACKTEST_GIT_COMMIT'] ?? 'unknown',
    command,
  };
}
