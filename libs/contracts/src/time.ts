/**
 * Time units and UTC day arithmetic shared by every service. A "day" in Bellwether is a UTC
 * calendar day, numbered as whole days since the Unix epoch: the unit of rolling windows, day
 * closes and KPI periods (product.md, "Event time"). The clock itself is always an input.
 */

/** One hour, in milliseconds. */
export const HOUR_MS = 3_600_000;

/** One UTC day, in milliseconds. */
export const DAY_MS = 24 * HOUR_MS;

/** One week, in milliseconds. */
export const WEEK_MS = 7 * DAY_MS;

/** Days since the Unix epoch (UTC) of an ISO-8601 instant: the unit of every rolling window. NaN when it does not parse. */
export function dayOf(iso: string): number {
  return Math.floor(Date.parse(iso) / DAY_MS);
}

/** The calendar date (`YYYY-MM-DD`, UTC) of a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The instant 00:00 UTC of a day number, ISO-8601 (a day boundary: `dayStart(dayOf(t)) <= t`). */
export function dayStart(day: number): string {
  return new Date(day * DAY_MS).toISOString();
}

/** The last millisecond of a day number, ISO-8601 (`…T23:59:59.999Z`), the instant a day close is scored as of. */
export function dayEnd(day: number): string {
  return new Date((day + 1) * DAY_MS - 1).toISOString();
}

/** The week (⌊epoch day / 7⌋) a day number belongs to: the unit of the per-user activity counts. */
export function weekOf(day: number): number {
  return Math.floor(day / 7);
}
