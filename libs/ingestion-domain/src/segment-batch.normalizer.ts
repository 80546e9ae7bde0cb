import { createHash } from 'node:crypto';
import { createAjv, eventLimits, eventTimeProblem, parseEventTime, setOwn, toSchemaProblems, toStorableJson, toStorableText, trustedOnlyAttributes, type JsonObject, type JsonValue } from '@bellwether/contracts';
import type { InputProblem } from './input-problem';
import { nestingDepthOf, type NativeEvent } from './event-batch.validator';
import { bellwetherTypeOf, type TrackEventMap } from './track-event-map';

/** The Segment HTTP Tracking API message types Bellwether understands. */
export const segmentTypes = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const;
export type SegmentType = (typeof segmentTypes)[number];

const idLike = { anyOf: [{ type: 'string', minLength: 1, maxLength: eventLimits.maxIdLength }, { type: 'number' }] };
/** Any RFC 3339 / ISO 8601 date-time an SDK or database writes; `parseEventTime` checks the form. */
const time = { type: 'string', maxLength: eventLimits.maxTimestampLength };

/**
 * Segment messages carry many optional fields (integrations, _metadata, channel…); these are
 * checked, unknown ones are kept as they are. `null` and `""` in an optional field mean absent
 * (they are removed before this schema applies).
 */
export const segmentMessageSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: segmentTypes },
    messageId: { type: 'string', minLength: 1, maxLength: eventLimits.maxIdLength },
    userId: idLike,
    anonymousId: idLike,
    groupId: idLike,
    event: { type: 'string', minLength: 1, maxLength: eventLimits.maxNameLength },
    name: { type: 'string', maxLength: eventLimits.maxNameLength },
    timestamp: time,
    originalTimestamp: time,
    sentAt: time,
    properties: { type: 'object' },
    traits: { type: 'object' },
    context: { type: 'object' },
  },
  anyOf: [{ required: ['userId'] }, { required: ['anonymousId'] }],
} as const;

/**
 * The `/v1/batch` envelope. Other keys are ignored, as Segment does: RudderStack's Node SDK sends
 * `timestamp` here, analytics-go sends `type: "batch"`, `messageId` and `context` (null in some
 * versions). Only the keys Bellwether reads are checked.
 */
export const segmentBatchSchema = {
  type: 'object',
  required: ['batch'],
  properties: {
    batch: { type: 'array', minItems: 1, items: segmentMessageSchema },
    writeKey: { type: 'string' },
    sentAt: time,
  },
} as const;

const validateBatch = createAjv().compile(segmentBatchSchema);

export interface SegmentLimits {
  /** Most messages in one batch (MAX_EVENTS_PER_BATCH, shared with the native route). */
  readonly maxEventsPerBatch: number;
  /** Largest message, bytes of its JSON (MAX_EVENT_BYTES; Segment documents 32 KB). Over it: 413. */
  readonly maxMessageBytes: number;
  /** Deepest nesting of `properties` and `traits` (MAX_PROPERTY_DEPTH, as on the native route). */
  readonly maxPropertyDepth: number;
  readonly maxFutureSkewMs: number;
}

export interface SegmentNormalizeContext {
  readonly receivedAtMs: number;
  readonly trackEventMap: TrackEventMap;
  /** Accounts that users joined through earlier `group` (or `identify` with a company) calls. */
  readonly knownAccounts: ReadonlyMap<string, string>;
  readonly limits: SegmentLimits;
}

export type SegmentNormalization =
  | { readonly ok: false; readonly status: 400 | 413; readonly errors: readonly InputProblem[] }
  | {
      readonly ok: true;
      readonly events: readonly NativeEvent[];
      /** user → account links learnt from this batch, to remember for later batches. */
      readonly links: ReadonlyMap<string, string>;
      /** Valid messages that carry nothing for Bellwether (no account, or an alias). */
      readonly skipped: readonly { readonly index: number; readonly reason: string }[];
      /** Messages that repeat the messageId of an earlier message of the same batch (not published). */
      readonly duplicates: number;
      /** What was changed to make the messages processable: U+FFFD replacements, event times replaced by receivedAt. */
      readonly warnings: readonly InputProblem[];
    };

/**
 * Account attributes that `group` traits (and an identify's `company`) may set. The ownership ones
 * (csmId, team, tier) and the economics (cacUsd, grossMarginPct) count only from a key with the
 * accounts:write scope (a CRM sync); the controller drops them from any other key's events. For
 * those, `null` is kept: it unassigns or clears, as in an `account.updated` event.
 */
const accountTraits = ['name', 'plan', 'seats', 'mrr', 'renewalDate', 'contractStart', 'startDate', 'csmId', 'team', 'tier', 'cacUsd', 'grossMarginPct', 'industry', 'employees'] as const;
const clearableTraits: ReadonlySet<string> = new Set(trustedOnlyAttributes);

type Message = Record<string, JsonValue | undefined> & { type: SegmentType };

/**
 * Turns a Segment batch into native events, all or nothing: a malformed message fails the batch
 * with every problem listed. What every message accepted here becomes is valid on
 * `bellwether.events.v1` (limits from `eventLimits`) and storable in PostgreSQL:
 * - strings with U+0000 or unpaired surrogates (values and keys, any depth) get U+FFFD, with a warning;
 * - `null` or `""` in an optional message field means the field is absent;
 * - a messageId repeated within the batch counts as a duplicate, the first copy is kept;
 * - event time gets Segment's clock-skew correction, timestamp = receivedAt − (sentAt − timestamp)
 *   when the client sent `sentAt`; a corrected time before 2000 or beyond the allowed skew becomes
 *   receivedAt, with a warning (the SDK cannot fix the device clock, and refusing would drop the batch).
 */
export function normalizeSegmentBatch(rawBody: unknown, context: SegmentNormalizeContext): SegmentNormalization {
  // Sizes first, on the body as sent, so an oversized batch is answered 413 whatever else is wrong with it.
  const overLimits = checkBatchLimits(rawBody, context.limits);
  if (overLimits) return overLimits;
  const storable = toStorableJson(withoutAbsentFields(rawBody) as JsonValue);
  if (!storable.ok) return { ok: false, status: 400, errors: [splitBatchIndex(storable.problem)] };
  const { value: body, changes } = storable;
  const warnings: InputProblem[] = changes.map(splitBatchIndex);
  if (!validateBatch(body)) {
    return { ok: false, status: 400, errors: toSchemaProblems(validateBatch.errors).map(splitBatchIndex) };
  }
  const batch = (body as { batch: Message[] }).batch;
  const batchSentAt = (body as { sentAt?: string }).sentAt;
  const errors: InputProblem[] = [];
  if (batchSentAt !== undefined && parseEventTime(batchSentAt) === null) errors.push({ path: 'sentAt', message: NOT_A_DATE_TIME });
  const links = new Map<string, string>();
  const seenIds = new Map<string, number>();
  let duplicates = 0;

  // First pass: links made by this batch count for every message of the batch.
  batch.forEach((message) => {
    const userId = stringOf(message['userId']);
    const accountId = message.type === 'group' ? stringOf(message['groupId']) : message.type === 'identify' ? companyIdOf(message) : undefined;
    if (userId && accountId && accountId.length <= eventLimits.maxIdLength) links.set(userId, accountId);
  });

  const events: NativeEvent[] = [];
  const skipped: { index: number; reason: string }[] = [];
  batch.forEach((message, index) => {
    if (message.type === 'track' && !message['event']) errors.push({ index, path: 'event', message: 'is required for a track call' });
    if (message.type === 'group' && message['groupId'] === undefined) errors.push({ index, path: 'groupId', message: 'is required for a group call' });
    for (const field of ['timestamp', 'originalTimestamp', 'sentAt'] as const) {
      const value = message[field];
      if (typeof value === 'string' && parseEventTime(value) === null) errors.push({ index, path: field, message: NOT_A_DATE_TIME });
    }
    const userId = stringOf(message['userId']);
    const accountId = accountOf(message, userId, links, context.knownAccounts);
    if (accountId !== undefined && accountId.length > eventLimits.maxIdLength) {
      errors.push({ index, path: '', message: `names an account id of ${accountId.length} characters; the limit is ${eventLimits.maxIdLength}` });
    }
    if (errors.length > 0) return;

    const id = messageIdOf(message);
    const firstIndex = seenIds.get(id);
    if (firstIndex !== undefined) {
      duplicates += 1;
      return;
    }
    seenIds.set(id, index);
    const time = eventTimeOf(message, batchSentAt, context);
    if (time.warning) warnings.push({ index, path: 'timestamp', message: time.warning });

    if (message.type === 'alias') {
      skipped.push({ index, reason: 'alias calls carry no account signal' });
    } else if (!accountId) {
      skipped.push({ index, reason: 'no account: send context.groupId or properties.accountId, or call group for this user first' });
    } else {
      const event = toEvent(message, { id, accountId, userId, timestamp: new Date(time.ms).toISOString() }, context.trackEventMap);
      if (event) events.push(event);
      else skipped.push({ index, reason: 'no account attributes in the traits' });
    }
  });
  if (errors.length > 0) return { ok: false, status: 400, errors };
  return { ok: true, events, links, skipped, duplicates, warnings };
}

const NOT_A_DATE_TIME = 'must be an ISO 8601 date-time, like 2026-03-01T10:00:00Z';

/**
 * `null` and `""` in an optional field mean "absent", as the SDKs and Segment treat them: they are
 * removed from each message (all fields but `type`) and from the batch envelope (all but `batch`).
 */
function withoutAbsentFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const envelope = withoutAbsent(body as Record<string, unknown>, 'batch');
  const batch = envelope['batch'];
  if (Array.isArray(batch)) {
    envelope['batch'] = batch.map((message: unknown) => (typeof message === 'object' && message !== null && !Array.isArray(message) ? withoutAbsent(message as Record<string, unknown>, 'type') : message));
  }
  return envelope;
}

function withoutAbsent(object: Record<string, unknown>, keep: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key !== keep && (value === null || value === '')) continue;
    setOwn(copy, key, value);
  }
  return copy;
}

/**
 * The message's event time, epoch ms: Segment's clock-skew correction, or receivedAt when the
 * message has no time, or when the corrected time is outside what Bellwether keeps (the native
 * route's rule, `eventTimeProblem`); then `warning` says why.
 */
function eventTimeOf(message: Message, batchSentAt: string | undefined, context: SegmentNormalizeContext): { ms: number; warning?: string } {
  const corrected = correctedTime(message, batchSentAt, context.receivedAtMs);
  if (eventTimeProblem(corrected, context.receivedAtMs, context.limits.maxFutureSkewMs) === null) return { ms: corrected };
  const why = corrected < eventLimits.earliestEventTimeMs ? 'is before 2000-01-01' : `is ${Math.round((corrected - context.receivedAtMs) / 1000)} s in the future`;
  return { ms: context.receivedAtMs, warning: `${why} after clock-skew correction; the time of receipt was used instead` };
}

/**
 * The size limits Segment documents, checked before the message schema so an oversized batch is
 * answered 413 (which the SDKs do not retry) whatever else is wrong with it: every message over
 * `maxMessageBytes` is listed. Then the message count (400) and the nesting of `properties` and
 * `traits` (400). The 500 KB per request is the body reader's.
 */
function checkBatchLimits(body: unknown, limits: SegmentLimits): (SegmentNormalization & { ok: false }) | null {
  const batch = typeof body === 'object' && body !== null ? (body as { batch?: unknown }).batch : undefined;
  if (!Array.isArray(batch)) return null;
  const oversized: InputProblem[] = [];
  batch.forEach((message: unknown, index) => {
    // JSON.stringify recurses: a message nested deeper than anything storable is refused unmeasured.
    if (nestingDepthOf(message) > 64) return;
    const size = Buffer.byteLength(JSON.stringify(message) ?? '', 'utf8');
    if (size > limits.maxMessageBytes) oversized.push({ index, path: '', message: `message is ${size} bytes; the limit is ${limits.maxMessageBytes}` });
  });
  if (oversized.length > 0) return { ok: false, status: 413, errors: oversized };
  if (batch.length > limits.maxEventsPerBatch) {
    return { ok: false, status: 400, errors: [{ path: 'batch', message: `at most ${limits.maxEventsPerBatch} messages per batch (got ${batch.length})` }] };
  }
  const tooDeep: InputProblem[] = [];
  batch.forEach((message: unknown, index) => {
    if (typeof message !== 'object' || message === null) return;
    if (nestingDepthOf(message) > 64) {
      tooDeep.push({ index, path: '', message: 'is nested deeper than 64 levels' });
      return;
    }
    for (const field of ['properties', 'traits'] as const) {
      const value = (message as Record<string, unknown>)[field];
      if (typeof value === 'object' && value !== null && nestingDepthOf(value) > limits.maxPropertyDepth) {
        tooDeep.push({ index, path: field, message: `is nested deeper than ${limits.maxPropertyDepth} levels` });
      }
    }
  });
  return tooDeep.length > 0 ? { ok: false, status: 400, errors: tooDeep } : null;
}

function toEvent(message: Message, base: { id: string; accountId: string; userId?: string; timestamp: string }, trackEventMap: TrackEventMap): NativeEvent | null {
  const common = { id: base.id, accountId: base.accountId, timestamp: base.timestamp, ...(base.userId ? { userId: base.userId } : {}) };
  const properties = objectOf(message['properties']);
  switch (message.type) {
    case 'track': {
      // A derived type (a slug, maybe with a hash) loses the name: it travels in properties.event,
      // unless the client uses that key itself. Table entries and native names keep properties as sent.
      const name = String(message['event']);
      const type = bellwetherTypeOf(name, trackEventMap);
      const derived = type !== name && !Object.hasOwn(trackEventMap, name);
      return { ...common, type, properties: derived && !Object.hasOwn(properties, 'event') ? { ...properties, event: name } : properties };
    }
    case 'page':
    case 'screen': {
      const page = objectOf(objectOf(message['context'])['page']);
      const path = stringOf(properties['path']) ?? stringOf(page['path']) ?? `${message.type}:${stringOf(message['name']) ?? 'unnamed'}`;
      return { ...common, type: 'page.viewed', properties: { ...properties, path, ...(message['name'] ? { name: String(message['name']) } : {}) } };
    }
    case 'group':
    case 'identify': {
      const source = message.type === 'group' ? objectOf(message['traits']) : objectOf(objectOf(message['traits'])['company']);
      const traits = pickAccountTraits(source);
      return Object.keys(traits).length > 0 ? { ...common, type: 'account.updated', properties: { traits } } : null;
    }
    default:
      return null;
  }
}

function accountOf(message: Message, userId: string | undefined, links: ReadonlyMap<string, string>, known: ReadonlyMap<string, string>): string | undefined {
  return (
    stringOf(objectOf(message['context'])['groupId']) ??
    stringOf(objectOf(message['properties'])['accountId']) ??
    (message.type === 'group' ? stringOf(message['groupId']) : undefined) ??
    (message.type === 'identify' ? companyIdOf(message) : undefined) ??
    (userId ? (links.get(userId) ?? known.get(userId)) : undefined)
  );
}

/** Inputs are parseable (checked before): receivedAt − (sentAt − timestamp), or the timestamp, or receivedAt. */
function correctedTime(message: Message, batchSentAt: string | undefined, receivedAtMs: number): number {
  const original = stringOf(message['timestamp']) ?? stringOf(message['originalTimestamp']);
  const sentAt = stringOf(message['sentAt']) ?? batchSentAt;
  const originalMs = original === undefined ? null : parseEventTime(original);
  if (originalMs === null) return receivedAtMs;
  const sentAtMs = sentAt === undefined ? null : parseEventTime(sentAt);
  return sentAtMs === null ? originalMs : receivedAtMs - (sentAtMs - originalMs);
}

/** Segment's messageId, or a stable hash of the message so that a retried message dedups too. */
export function messageIdOf(message: Record<string, unknown>): string {
  const messageId = message['messageId'];
  if (typeof messageId === 'string' && /^[\x21-\x7e]{1,200}$/.test(messageId)) return messageId;
  const basis = typeof messageId === 'string' ? messageId : JSON.stringify(message);
  return `seg_${createHash('sha256').update(basis).digest('hex').slice(0, 32)}`;
}

/**
 * The batch a single-call route (`/v1/track`, `/v1/identify`…) stands for: the body is one
 * message whose type is the route's; `writeKey` and `sentAt` belong to the envelope. Null when
 * the body is no JSON object.
 */
export function segmentCallAsBatch(type: SegmentType, body: unknown): Record<string, unknown> | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { writeKey, sentAt, ...message } = body as Record<string, unknown>;
  return { batch: [{ ...message, type }], ...(writeKey ? { writeKey } : {}), ...(sentAt ? { sentAt } : {}) };
}

/** The user ids a batch mentions, to look up their accounts before normalizing. */
export function userIdsOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const batch = (body as { batch?: unknown }).batch;
  if (!Array.isArray(batch)) return [];
  // Storable form, as the normalizer sees them (and PostgreSQL refuses U+0000 in a query parameter).
  const ids = batch.map((message) => stringOf((message as Record<string, JsonValue> | null)?.['userId'])).filter((id): id is string => !!id);
  return [...new Set(ids.map(toStorableText))];
}

function pickAccountTraits(source: JsonObject): JsonObject {
  const picked: JsonObject = {};
  for (const name of accountTraits) {
    const value = source[name];
    if (value !== undefined && (value !== null || clearableTraits.has(name))) picked[name === 'startDate' ? 'contractStart' : name] = value;
  }
  if (picked['employees'] === undefined && source['employee_count'] !== undefined) picked['employees'] = source['employee_count'] ?? null;
  return picked;
}

function companyIdOf(message: Message): string | undefined {
  return stringOf(objectOf(objectOf(message['traits'])['company'])['id']) ?? stringOf(objectOf(message['traits'])['accountId']);
}

function splitBatchIndex(problem: { path: string; message: string }): InputProblem {
  const match = /^batch\.(\d+)(?:\.(.*))?$/.exec(problem.path);
  return match ? { index: Number(match[1]), path: match[2] ?? '', message: problem.message } : problem;
}

function objectOf(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function stringOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
