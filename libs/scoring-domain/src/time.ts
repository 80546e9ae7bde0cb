export const DAY_MS = 86_400_000;

/** Days since the Unix epoch (UTC) of an ISO-8601 instant: the unit of every rolling window. */
export function dayOf(iso: string): number {
  return Math.floor(Date.parse(iso) / DAY_MS);
}

export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
