import { DAY_MS, type TelemetryEvent } from '@bellwether/contracts';

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

/** An event with its time read once: scoring needs it as an instant, in milliseconds and as a day. */
export interface TimedEvent {
  readonly event: TelemetryEvent;
  /** `eventTimeOf(event)`: the canonical ISO-8601 UTC instant. */
  readonly time: string;
  /** The same instant in epoch milliseconds (`Date.parse(time)`). */
  readonly ms: number;
  /** Its day number (`dayOf(time)`). */
  readonly day: number;
}

/**
 * The event with its time parsed once (one `Date.parse`), in the three forms scoring reads, each
 * equal to what `eventTimeOf`, `Date.parse` and `dayOf` give. Throws a RangeError, as
 * `eventTimeOf` does, for a timestamp `Date.parse` cannot read.
 */
export function timedEventOf(event: TelemetryEvent): TimedEvent {
  const ms = Date.parse(event.timestamp);
  return { event, time: new Date(ms).toISOString(), ms, day: Math.floor(ms / DAY_MS) };
}
