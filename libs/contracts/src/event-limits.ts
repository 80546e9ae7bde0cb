import { daysInMonth } from './time';

/**
 * The one set of limits an event must meet to be accepted by ingestion (native and Segment
 * routes) and decoded by every consumer of `bellwether.events.v1`. The HTTP schemas, the Segment
 * normalizer, the topic schema and the service config defaults all read them from here, so what
 * the front door answers 2xx for can never be refused downstream.
 */
export const eventLimits = {
  /** Longest `id`, `accountId` and `userId`, UTF-16 code units (the topic schema's identifier). */
  maxIdLength: 200,
  /** Longest event `type` (the topic schema's limit; Segment track names are fitted to it). */
  maxTypeLength: 100,
  /** Longest Segment `event` / `name` accepted on the way in (mapped to a type of at most maxTypeLength). */
  maxNameLength: 200,
  /** Longest timestamp text accepted on the way in (nine fractional digits and an offset fit easily). */
  maxTimestampLength: 64,
  /** Oldest event time, epoch ms: nothing predates the product category, and scoring's windows start here. */
  earliestEventTimeMs: Date.UTC(2000, 0, 1),
  /** Default allowance for a client clock running ahead of the server, seconds. */
  maxFutureSkewSeconds: 300,
  /** Deepest nesting of an event's `properties` (default; config may lower it). */
  maxPropertyDepth: 8,
  /** Largest single event, bytes of JSON (Segment documents 32 KB per message). */
  maxEventBytes: 32_768,
  /** Largest request body, bytes (Segment documents 500 KB per request). */
  maxBodyBytes: 512_000,
  /** Most events in one batch, on every route. Segment limits batches by size, not count; this is far above what an SDK flushes at once (analytics-node with flushAt 600, for one). */
  maxEventsPerBatch: 5000,
} as const;

/** An event type: dot-separated lowercase snake_case words (`feature.used`, `track.report_exported`). */
export const eventTypePattern = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$';

/** Native ids: printable ASCII without spaces, so they survive logs, URLs and Kafka keys unquoted. */
export const printableIdPattern = '^[\\x21-\\x7e]+$';

/**
 * RFC 3339 / ISO 8601 extended date-time as SDKs and databases write it: `T`, `t` or a space
 * between date and time; seconds optional; any number of fractional digits (`.` or `,`); `Z`,
 * `z`, `±HH:MM`, `±HHMM`, `±HH` or no offset (then UTC).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * Parses an event time to epoch milliseconds, or null when the text is not a date-time (see
 * DATE_TIME for the accepted forms). Fractions finer than a millisecond are truncated. A leap
 * second (`23:59:60`) is clamped to `:59.999` of the same minute, since JavaScript time has no
 * leap seconds. Never throws, whatever the input.
 */
export function parseEventTime(text: string): number | null {
  if (text.length > eventLimits.maxTimestampLength) return null;
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  const leap = second === 60;
  const millis = leap ? 999 : Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));
  let offsetMs = 0;
  if (!zulu && sign) {
    const oh = Number(offsetHours);
    const om = offsetMinutes === undefined ? 0 : Number(offsetMinutes);
    if (oh > 23 || om > 59) return null;
    offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const utc = year >= 100 ? Date.UTC(year, month - 1, day, hour, minute, leap ? 59 : second, millis) : twoDigitYearUtc(year, month, day, hour, minute, leap ? 59 : second, millis);
  return utc - offsetMs;
}

/** Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear takes them as they are. */
function twoDigitYearUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

/**
 * Why an event time lies outside what Bellwether keeps, or null when it is fine: before
 * `earliestEventTimeMs`, or more than `maxFutureSkewMs` ahead of `nowMs`. Messages are those of
 * the native route's 400 answers.
 */
export function eventTimeProblem(timeMs: number, nowMs: number, maxFutureSkewMs: number): string | null {
  if (timeMs < eventLimits.earliestEventTimeMs) return 'is before 2000-01-01';
  if (timeMs > nowMs + maxFutureSkewMs) {
    return `is ${Math.round((timeMs - nowMs) / 1000)} s in the future; at most ${Math.round(maxFutureSkewMs / 1000)} s of clock skew is allowed`;
  }
  return null;
}
