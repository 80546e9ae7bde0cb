import type { TelemetryEvent } from '@bellwether/contracts';

// The day arithmetic lives once, in contracts (a day is a UTC calendar day for every service).
export { DAY_MS, dayEnd, dayOf, dayStart, isoDay, weekOf } from '@bellwether/contracts';

/**
 * An event's time as scoring compares and stores it: its `timestamp` normalised to the canonical
 * ISO-8601 UTC instant (`2026-03-01T10:00:00.000Z`), whatever offset or precision the producer
 * wrote, so string order is time order. Throws a RangeError for a timestamp `Date.parse` cannot
 * read (the events topic's decoder lets none through).
 */
export function eventTimeOf(event: Pick<TelemetryEvent, 'timestamp'>): string {
  return new Date(Date.parse(event.timestamp)).toISOString();
}
