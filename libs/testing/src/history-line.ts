import type { JsonObject } from '@bellwether/contracts';
import type { ArrivingEvent, SimulatedEvent } from './customer-base';

/**
 * One line of a backtest history file (NDJSON, docs/signal-quality.md "The history file"): either
 * the event itself in the native `POST /v1/events` shape, or `{"arrivedAt": "<ISO-8601>", "event":
 * {…}}`. Returns null for a blank line. A missing `id` becomes `line-<n>` (so a re-run of the same
 * file deduplicates the same way); a missing `properties` becomes {}; arrivedAt defaults to the
 * event time (the line order is what counts). Throws `line <n>: <reason>` on a line that is not a
 * JSON object or whose event lacks a string type, an accountId or a readable timestamp.
 */
export function parseHistoryLine(line: string, lineNumber: number): ArrivingEvent | null {
  if (line.trim() === '') return null;
  const fail = (reason: string): never => {
    throw new Error(`line ${lineNumber}: ${reason}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(parsed)) return fail('not a JSON object');
  const wrapped = isObject(parsed['event']);
  const raw = (wrapped ? parsed['event'] : parsed) as JsonObject;
  if (typeof raw['type'] !== 'string' || raw['type'] === '') fail('the event has no string "type"');
  if (typeof raw['accountId'] !== 'string' || raw['accountId'] === '') fail('the event has no "accountId"');
  if (typeof raw['timestamp'] !== 'string' || Number.isNaN(Date.parse(raw['timestamp']))) fail('the event has no readable "timestamp"');
  const event = { ...raw, id: typeof raw['id'] === 'string' && raw['id'] !== '' ? raw['id'] : `line-${lineNumber}`, properties: isObject(raw['properties']) ? raw['properties'] : {} } as unknown as SimulatedEvent;
  const arrivedAt = wrapped && typeof parsed['arrivedAt'] === 'string' ? parsed['arrivedAt'] : event.timestamp;
  return { arrivedAt, event };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
