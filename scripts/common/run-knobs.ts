/**
 * The knobs of the project's own runs (`npm run bench`, `npm run chaos`, `npm run backtest`), read
 * from the environment. An unset or empty variable takes the fallback; anything else must parse,
 * or the run stops at once with a message that names the variable.
 */

/** An integer ≥ `min` (default 1). Throws `NAME must be an integer ≥ min (got "…")`. */
export function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return value;
}

/** A finite number ≥ `min`. Throws `NAME must be a number ≥ min (got "…")`. */
export function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min} (got "${raw}")`);
  return value;
}

/**
 * A database a run may wipe: its name must contain `marker` (`chaos`, `backtest`…), so a mistyped
 * URL can never drop the schemas of the dev stack or of the tests.
 */
export function assertScratchDatabase(databaseUrl: string, marker: string): void {
  const name = new URL(databaseUrl).pathname.replace(/^\//, '');
  if (!name.includes(marker)) throw new Error(`refusing to use database "${name}": its name does not contain "${marker}"`);
}

/** Where a whole-stack run (`npm run chaos`, `npm run backtest`) runs its services and writes. */
export interface StackRunConfig {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
  /** Prefix of every topic and consumer group of this run (`<run>-<random>.`, KAFKA_NAMESPACE of the services). */
  readonly namespace: string;
  /** The first of the four services' ports (ingestion; scoring, alerting, playbook follow). */
  readonly basePort: number;
  /** Where run.sh built the code this run executes: <buildDir>/dist and its path register. */
  readonly buildDir: string;
  readonly workDir: string;
  readonly reportPath: string;
}

/**
 * The shared part of a whole-stack run's knobs, `<RUN>_*` with run = `chaos` → CHAOS_DATABASE_URL,
 * CHAOS_REDIS_URL, CHAOS_NAMESPACE, CHAOS_BASE_PORT, CHAOS_BUILD_DIR, CHAOS_WORK_DIR, CHAOS_REPORT,
 * and KAFKA_BROKERS. Throws when the database's name lacks `run` (the run drops its schemas) or the
 * namespace does not start with `<run>-`.
 */
export function stackRunFromEnv(run: 'chaos' | 'backtest', defaults: { readonly redisDb: number; readonly basePort: number; readonly reportPath: string }): StackRunConfig {
  const prefix = run.toUpperCase();
  const databaseUrl = process.env[`${prefix}_DATABASE_URL`] ?? `postgres://postgres@127.0.0.1:5432/bellwether_${run}`;
  assertScratchDatabase(databaseUrl, run);
  const namespace = process.env[`${prefix}_NAMESPACE`] ?? `${run}-${Math.random().toString(36).slice(2, 10)}.`;
  if (!namespace.startsWith(`${run}-`)) throw new Error(`${prefix}_NAMESPACE must start with "${run}-" (got "${namespace}")`);
  return {
    databaseUrl,
    redisUrl: process.env[`${prefix}_REDIS_URL`] ?? `redis://127.0.0.1:6379/${defaults.redisDb}`,
    brokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    namespace,
    basePort: intFromEnv(`${prefix}_BASE_PORT`, defaults.basePort, 1024),
    buildDir: process.env[`${prefix}_BUILD_DIR`] ?? '.',
    workDir: process.env[`${prefix}_WORK_DIR`] ?? `reports/${run}`,
    reportPath: process.env[`${prefix}_REPORT`] ?? defaults.reportPath,
  };
}
