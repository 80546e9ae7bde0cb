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

/** The newest of ISO-8601 instants, in `toISOString()` form; null for none, or only unparseable ones. */
export function newestInstant(times: Iterable<string>): string | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const time of times) {
    const ms = Date.parse(time);
    if (ms > newest) newest = ms;
  }
  return Number.isFinite(newest) ? new Date(newest).toISOString() : null;
}

/** The week (⌊epoch day / 7⌋) a day number belongs to: the unit of the per-user activity counts. */
export function weekOf(day: number): number {
  return Math.floor(day / 7);
}

/** `toISOString()`'s form for years 0000–9999, fields within their ranges (the day is checked apart). */
const ISO_INSTANT = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days of `month` (1–12) in `year` of the proleptic Gregorian calendar (0 for another month); a table, since it runs for every event time. */
export function daysInMonth(year: number, month: number): number {
  const leapYear = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return (DAYS_IN_MONTH[month - 1] ?? 0) - (month === 2 && !leapYear ? 1 : 0);
}

/**
 * True when `text` is exactly what `Date.prototype.toISOString` writes for some instant
 * (`YYYY-MM-DDTHH:MM:SS.sssZ`, a real calendar date, years 0000–9999), so that
 * `new Date(text).toISOString() === text`: callers that normalize a time to that form can keep
 * such a text as it is instead of parsing and formatting it again. False for anything else
 * (which `Date` may still parse, rolling e.g. Feb 30 over into March).
 */
export function isIsoInstant(text: string): boolean {
  const match = ISO_INSTANT.exec(text);
  if (!match) return false;
  return Number(match[3]) <= daysInMonth(Number(match[1]), Number(match[2]));
}
