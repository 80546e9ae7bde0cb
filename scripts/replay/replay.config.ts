/**
 * Every knob of `npm run replay` (REPLAY_*), read from the environment, with the defaults of the
 * documented run (docs/signal-quality.md). run.sh sets the database, Redis db, namespace and build.
 */

import { DAY_MS } from '@bellwether/testing';
import { assertScratchDatabase, intFromEnv, numberFromEnv } from '../common/run-knobs';

export interface ReplayConfig {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
  readonly namespace: string;
  readonly basePort: number;
  /** Where run.sh built the code this run executes: <buildDir>/dist and its path register. */
  readonly buildDir: string;
  readonly workDir: string;
  readonly reportPath: string;
  /** The report section this run writes (`before`, `after`, …); other sections are kept. */
  readonly label: string;
  readonly base: {
    readonly seed: string;
    readonly accounts: number;
    readonly days: number;
    readonly eventsPerActiveUser: number;
    readonly seats: readonly [number, number];
    /** The "now" the base is anchored to: midnight UTC of this day (YYYY-MM-DD). */
    readonly anchorDay: string;
  };
  readonly batchSize: number;
  readonly drainTimeoutMs: number;
  /** The commit the build was made from (`<sha>` or `<sha>+dirty`). */
  readonly gitCommit: string;
  /** The command that reproduces this run, as a person would type it. */
  readonly command: string;
}

/** A database the replay may wipe: its name must say so. */
export function assertReplayDatabase(databaseUrl: string): void {
  assertScratchDatabase(databaseUrl, 'replay');
}

export function loadReplayConfig(): ReplayConfig {
  const databaseUrl = process.env['REPLAY_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/bellwether_replay';
  assertReplayDatabase(databaseUrl);
  const redisUrl = process.env['REPLAY_REDIS_URL'] ?? 'redis://127.0.0.1:6379/5';
  const namespace = process.env['REPLAY_NAMESPACE'] ?? `replay-${Math.random().toString(36).slice(2, 10)}.`;
  if (!namespace.startsWith('replay-')) throw new Error(`REPLAY_NAMESPACE must start with "replay-" (got "${namespace}")`);
  const label = process.env['REPLAY_LABEL'] ?? 'latest';
  if (!/^[a-z0-9-]{1,40}$/.test(label)) throw new Error(`REPLAY_LABEL must be lowercase letters, digits and dashes (got "${label}")`);
  const anchorDay = process.env['REPLAY_ANCHOR'] ?? new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(anchorDay) || Number.isNaN(Date.parse(`${anchorDay}T00:00:00Z`))) throw new Error(`REPLAY_ANCHOR must be a day, YYYY-MM-DD (got "${anchorDay}")`);
  if (Date.parse(`${anchorDay}T00:00:00Z`) > Date.now()) throw new Error(`REPLAY_ANCHOR ${anchorDay} is in the future: the events must lie in the past`);
  const seatsText = process.env['REPLAY_SEATS'] ?? '5-30';
  const seatsMatch = /^(\d+)-(\d+)$/.exec(seatsText);
  if (!seatsMatch) throw new Error(`REPLAY_SEATS must be <min>-<max> (got "${seatsText}")`);
  const base = {
    seed: process.env['REPLAY_SEED'] ?? '1',
    accounts: intFromEnv('REPLAY_ACCOUNTS', 300, 1),
    days: intFromEnv('REPLAY_DAYS', 120, 14),
    eventsPerActiveUser: numberFromEnv('REPLAY_EVENTS_PER_ACTIVE_USER', 4, 1),
    seats: [Number(seatsMatch[1]), Number(seatsMatch[2])] as const,
    anchorDay,
  };
  // Everything that shapes the result goes into the command, so the AFTER run can repeat it exactly.
  const command = [
    `REPLAY_LABEL=${label}`,
    `REPLAY_ANCHOR=${anchorDay}`,
    ...(base.seed !== '1' ? [`REPLAY_SEED=${base.seed}`] : []),
    ...(base.accounts !== 300 ? [`REPLAY_ACCOUNTS=${base.accounts}`] : []),
    ...(base.days !== 120 ? [`REPLAY_DAYS=${base.days}`] : []),
    ...(base.eventsPerActiveUser !== 4 ? [`REPLAY_EVENTS_PER_ACTIVE_USER=${base.eventsPerActiveUser}`] : []),
    ...(seatsText !== '5-30' ? [`REPLAY_SEATS=${seatsText}`] : []),
    'npm run replay',
  ].join(' ');
  return {
    databaseUrl,
    redisUrl,
    brokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    namespace,
    basePort: intFromEnv('REPLAY_BASE_PORT', 5400, 1024),
    buildDir: process.env['REPLAY_BUILD_DIR'] ?? '.',
    workDir: process.env['REPLAY_WORK_DIR'] ?? 'reports/replay',
    reportPath: process.env['REPLAY_REPORT'] ?? 'docs/signal-quality.md',
    label,
    base,
    batchSize: intFromEnv('REPLAY_BATCH', 500, 1),
    drainTimeoutMs: intFromEnv('REPLAY_DRAIN_TIMEOUT_SECONDS', 3600, 10) * 1000,
    gitCommit: process.env['REPLAY_GIT_COMMIT'] ?? 'unknown',
    command,
  };
}
