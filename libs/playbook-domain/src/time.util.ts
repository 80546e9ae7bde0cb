/** Time arithmetic on ISO-8601 strings; the clock itself is always an input. */

import { HOUR_MS } from '@bellwether/contracts';

/** Milliseconds since the epoch of an ISO-8601 timestamp; throws RangeError when unparseable. */
export function toMillis(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 timestamp: ${JSON.stringify(iso)}`);
  return ms;
}

/** `iso` plus `hours` (may be fractional), as an ISO-8601 UTC string. */
export function addHours(iso: string, hours: number): string {
  return new Date(toMillis(iso) + hours * HOUR_MS).toISOString();
}

/** Whether `iso` is at or after `reference`. */
export function isAtOrAfter(iso: string, reference: string): boolean {
  return toMillis(iso) >= toMillis(reference);
}
