/** Small numeric helpers shared by the KPI functions. None of them ever returns NaN or Infinity. */

export const MS_PER_MINUTE = 60_000;

/** `numerator / denominator`, or `null` when the denominator is 0 (or either side is not finite). */
export function ratio(numerator: number, denominator: number): number | null {
  if (denominator === 0 || !Number.isFinite(numerator) || !Number.isFinite(denominator)) return null;
  return numerator / denominator;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * The `p`-quantile (p in [0, 1]) of `values` by linear interpolation between closest ranks
 * (the "type 7" rule of R, numpy's default, Excel's PERCENTILE.INC): sort ascending, take rank
 * h = (n − 1) × p, and interpolate between the values at floor(h) and floor(h) + 1.
 * `null` for no values.
 */
export function quantile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be in [0, 1], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lower = Math.floor(h);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (h - lower) * (sorted[upper] - sorted[lower]);
}

/** Ordinal string comparison (locale-independent, so results never depend on the host). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Groups items by key, keys in order of first appearance. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

/** Throws RangeError unless `value` is a finite number ≥ 0; `what` names the bad field. */
export function assertNonNegative(value: number, what: string): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${what} must be a finite number ≥ 0, got ${value}`);
}

/** Throws RangeError unless `value` is a fraction in [0, 1]; `what` names the bad field. */
export function assertFraction(value: number, what: string): void {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) throw new RangeError(`${what} must be a fraction in [0, 1], got ${value}`);
}

/** Throws RangeError unless `value` is a finite number > 0; `what` names the bad field. */
export function assertPositive(value: number, what: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${what} must be a finite number > 0, got ${value}`);
}
