import {
  createAjv,
  eventTimeProblem,
  ingestEventsRequestSchema,
  isIsoInstant,
  parseEventTime,
  toSchemaProblems,
  toStorableJson,
  type JsonObject,
  type JsonValue,
} from '@bellwether/contracts';
import type { InputProblem } from './input-problem';

/** An event of a valid native batch, before normalization. */
export interface NativeEvent {
  readonly id: string;
  readonly type: string;
  readonly accountId: string;
  readonly userId?: string;
  readonly timestamp: string;
  readonly properties?: JsonObject;
}

export interface BatchLimits {
  readonly maxEventsPerBatch: number;
  readonly maxEventBytes: number;
  readonly maxPropertyDepth: number;
  readonly maxFutureSkewMs: number;
}

export type BatchValidation =
  /** `warnings`: what was changed to make the events storable (U+FFFD replacements), by event index and path. */
  | { readonly ok: true; readonly events: readonly NativeEvent[]; readonly warnings: readonly InputProblem[] }
  | { readonly ok: false; readonly status: 400 | 413; readonly errors: readonly InputProblem[] };

const validateShape = createAjv().compile(ingestEventsRequestSchema);

/**
 * Checks a whole native batch and lists every problem, so a client fixes its batch in one round
 * trip. Any problem rejects the batch whole: nothing of it is published. Oversized events make it
 * a 413, everything else a 400. Strings PostgreSQL cannot store (U+0000, unpaired surrogates) are
 * first replaced with U+FFFD, and each replacement is reported as a warning. Accepted events carry
 * their timestamp normalized to `toISOString()` form (a leap second clamped to :59.999).
 */
export function validateEventBatch(rawBody: unknown, limits: BatchLimits, nowMs: number): BatchValidation {
  if (rawBody === null || rawBody === undefined || typeof rawBody !== 'object' || Array.isArray(rawBody)) {
    return { ok: false, status: 400, errors: [{ path: '', message: 'body must be a JSON object with an "events" array' }] };
  }
  const storable = toStorableJson(rawBody as JsonValue);
  if (!storable.ok) return { ok: false, status: 400, errors: [splitIndex(storable.problem)] };
  const { value: body, changes } = storable;
  const eventsValue = (body as { events?: unknown }).events;
  if (Array.isArray(eventsValue) && eventsValue.length > limits.maxEventsPerBatch) {
    return { ok: false, status: 400, errors: [{ path: 'events', message: `at most ${limits.maxEventsPerBatch} events per batch (got ${eventsValue.length})` }] };
  }

  const errors: InputProblem[] = [];
  if (!validateShape(body)) errors.push(...toSchemaProblems(validateShape.errors).map(splitIndex));
  if (!Array.isArray(eventsValue)) return { ok: false, status: 400, errors };

  let oversized = false;
  const seenIds = new Map<string, number>();
  // Each event time is parsed once here and reused to normalize it below.
  const times: (number | null)[] = [];
  eventsValue.forEach((event: unknown, index) => {
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return;
    const candidate = event as Record<string, unknown>;
    const size = Buffer.byteLength(JSON.stringify(event), 'utf8');
    if (size > limits.maxEventBytes) {
      oversized = true;
      errors.push({ index, path: '', message: `event is ${size} bytes; the limit is ${limits.maxEventBytes}` });
    }
    if (typeof candidate['id'] === 'string') {
      const first = seenIds.get(candidate['id']);
      if (first !== undefined) errors.push({ index, path: 'id', message: `duplicates the id of event ${first} in this batch` });
      else seenIds.set(candidate['id'], index);
    }
    if (typeof candidate['timestamp'] === 'string') {
      const time = parseEventTime(candidate['timestamp']);
      times[index] = time;
      // Unparsable: said once, unless the schema's date-time format said it already.
      const problem =
        time === null
          ? errors.some((error) => error.index === index && error.path === 'timestamp')
            ? null
            : 'is not a date-time'
          : eventTimeProblem(time, nowMs, limits.maxFutureSkewMs);
      if (problem) errors.push({ index, path: 'timestamp', message: problem });
    }
    const properties = candidate['properties'];
    if (properties !== undefined && typeof properties === 'object' && properties !== null && nestingDepthOf(properties) > limits.maxPropertyDepth) {
      errors.push({ index, path: 'properties', message: `is nested deeper than ${limits.maxPropertyDepth} levels` });
    }
  });

  if (errors.length > 0) return { ok: false, status: oversized ? 413 : 400, errors: sortProblems(errors) };
  // A time already in toISOString() form (what most clients send) is its own normal form: parseEventTime accepted it, so its fields are in range.
  const events = (eventsValue as NativeEvent[]).map((event, index) => ({ ...event, timestamp: isIsoInstant(event.timestamp) ? event.timestamp : new Date(times[index] ?? Number.NaN).toISOString() }));
  // Storability changes become warnings of the answer, `{index, path, message}` like the errors.
  return { ok: true, events, warnings: changes.map(splitIndex) };
}

/** `events.3.timestamp` → `{index: 3, path: 'timestamp'}`, the contract's error shape. */
function splitIndex(problem: { path: string; message: string }): InputProblem {
  const match = /^events\.(\d+)(?:\.(.*))?$/.exec(problem.path);
  if (!match) return problem;
  return { index: Number(match[1]), path: match[2] ?? '', message: problem.message };
}

/**
 * Levels of objects and arrays in a value: `{}` and `{a: 1}` are 1, `{a: {b: 1}}` is 2. Stops
 * counting past 64, so a hostile body costs little to measure.
 */
export function nestingDepthOf(value: unknown, depth = 1): number {
  if (value === null || typeof value !== 'object') return depth - 1;
  // Never descend past the cap: a 500 KB body can nest 250,000 levels, far beyond the call stack.
  if (depth > 64) return depth;
  let deepest = depth;
  for (const child of Object.values(value as Record<string, unknown>)) {
    if (child !== null && typeof child === 'object') deepest = Math.max(deepest, nestingDepthOf(child, depth + 1));
    if (deepest > 64) break;
  }
  return deepest;
}

function sortProblems(problems: InputProblem[]): InputProblem[] {
  return problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
}
