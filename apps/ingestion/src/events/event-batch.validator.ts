import { createAjv, ingestEventsRequestSchema, toSchemaProblems, type JsonObject } from '@bellwether/contracts';
import type { RequestProblem } from '@bellwether/platform';

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
  | { readonly ok: true; readonly events: readonly NativeEvent[] }
  | { readonly ok: false; readonly status: 400 | 413; readonly errors: readonly RequestProblem[] };

const validateShape = createAjv().compile(ingestEventsRequestSchema);

/** Oldest event time accepted: nothing predates the product category. */
const EARLIEST_EVENT_MS = Date.parse('2000-01-01T00:00:00Z');

/**
 * Checks a whole native batch and lists every problem, so a client fixes its batch in one round
 * trip. Any problem rejects the batch whole: nothing of it is published. Oversized events make it
 * a 413, everything else a 400.
 */
export function validateEventBatch(body: unknown, limits: BatchLimits, nowMs: number): BatchValidation {
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, status: 400, errors: [{ path: '', message: 'body must be a JSON object with an "events" array' }] };
  }
  const eventsValue = (body as { events?: unknown }).events;
  if (Array.isArray(eventsValue) && eventsValue.length > limits.maxEventsPerBatch) {
    return { ok: false, status: 400, errors: [{ path: 'events', message: `at most ${limits.maxEventsPerBatch} events per batch (got ${eventsValue.length})` }] };
  }

  const errors: RequestProblem[] = [];
  if (!validateShape(body)) errors.push(...toSchemaProblems(validateShape.errors).map(splitIndex));
  if (!Array.isArray(eventsValue)) return { ok: false, status: 400, errors };

  let oversized = false;
  const seenIds = new Map<string, number>();
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
      const time = Date.parse(candidate['timestamp']);
      if (!Number.isNaN(time) && time > nowMs + limits.maxFutureSkewMs) {
        errors.push({ index, path: 'timestamp', message: `is ${Math.round((time - nowMs) / 1000)} s in the future; at most ${limits.maxFutureSkewMs / 1000} s of clock skew is allowed` });
      }
      if (!Number.isNaN(time) && time < EARLIEST_EVENT_MS) errors.push({ index, path: 'timestamp', message: 'is before 2000-01-01' });
    }
    const properties = candidate['properties'];
    if (properties !== undefined && typeof properties === 'object' && properties !== null && nestingDepthOf(properties) > limits.maxPropertyDepth) {
      errors.push({ index, path: 'properties', message: `is nested deeper than ${limits.maxPropertyDepth} levels` });
    }
  });

  if (errors.length > 0) return { ok: false, status: oversized ? 413 : 400, errors: sortProblems(errors) };
  return { ok: true, events: eventsValue as NativeEvent[] };
}

/** `events.3.timestamp` → `{index: 3, path: 'timestamp'}`, the contract's error shape. */
function splitIndex(problem: { path: string; message: string }): RequestProblem {
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
  let deepest = depth;
  for (const child of Object.values(value as Record<string, unknown>)) {
    if (child !== null && typeof child === 'object') deepest = Math.max(deepest, nestingDepthOf(child, depth + 1));
    if (deepest > 64) break;
  }
  return deepest;
}

function sortProblems(problems: RequestProblem[]): RequestProblem[] {
  return problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
}
