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
