export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Epoch ms of an ISO-8601 instant, or null when it does not parse. */
export function instantMs(iso: string): number | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** The UTC calendar day (`YYYY-MM-DD`) of an ISO-8601 instant, for evidence lines. */
export function isoDate(iso: string): string {
  const ms = instantMs(iso);
  return ms === null ? iso : new Date(ms).toISOString().slice(0, 10);
}
