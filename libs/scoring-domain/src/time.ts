export const DAY_MS = 86_400_000;

/** Days since the Unix epoch (UTC) of an ISO-8601 instant: the unit of every rolling window. */
export function dayOf(iso: string): number {
  return Math.floor(Date.parse(iso) / DAY_MS);
}

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
