import { DAY_MS } from '@bellwether/contracts';

export { DAY_MS, HOUR_MS } from '@bellwether/contracts';

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

/** The UTC calendar day `days` after (negative: before) the day of an ISO-8601 instant or date. */
export function addDays(iso: string, days: number): string {
  const ms = instantMs(iso);
  return ms === null ? iso : new Date(ms + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole UTC calendar days from the day of `from` to the day of `to` (0 on the same day), or null. */
export function daysBetween(from: string, to: string): number | null {
  const a = instantMs(from);
  const b = instantMs(to);
  if (a === null || b === null) return null;
  return Math.floor(b / DAY_MS) - Math.floor(a / DAY_MS);
}

/** "the 14 days 2026-03-15 – 2026-03-28": a window of `days` days ending on the day of `iso`. */
export function windowText(iso: string, days: number): string {
  return `the ${days} days ${addDays(iso, -(days - 1))} – ${isoDate(iso)}`;
}
