import fc from 'fast-check';
import { eventLimits, ingestEventsRequestSchema, isStorableText, telemetryEventSchema, validateTelemetryEvent, type TelemetryEvent } from '@bellwether/contracts';
import { IngestionEnv } from './ingestion.env';
import { validateEventBatch, type NativeEvent } from './events/event-batch.validator';
import { toTelemetryEvent } from './events/event-publisher.service';
import { normalizeSegmentBatch, segmentCallAsBatch, segmentTypes, type SegmentNormalizeContext } from './segment/segment-batch.normalizer';
import { defaultTrackEventMap } from './segment/track-event-map';

/**
 * Accepted means processable: whatever body reaches a route, every event the route accepts
 * becomes a `bellwether.events.v1` message that the consumers' decoder (`validateTelemetryEvent`,
 * scoring and playbook) accepts after the JSON round trip through Kafka, and that PostgreSQL can
 * store (no U+0000, no unpaired surrogate, in any key or value). The routes never throw (a throw
 * would be a 5xx).
 */

const nowMs = Date.parse('2026-03-01T12:00:00Z');
const receivedAt = new Date(nowMs).toISOString();
const nativeLimits = { maxEventsPerBatch: eventLimits.maxEventsPerBatch, maxEventBytes: eventLimits.maxEventBytes, maxPropertyDepth: eventLimits.maxPropertyDepth, maxFutureSkewMs: eventLimits.maxFutureSkewSeconds * 1000 };
const segmentContext: SegmentNormalizeContext = {
  receivedAtMs: nowMs,
  trackEventMap: defaultTrackEventMap,
  knownAccounts: new Map([
    ['u1', 'acme'],
    ['ユーザー', 'グローバル'],
  ]),
  limits: { maxEventsPerBatch: eventLimits.maxEventsPerBatch, maxFutureSkewMs: nativeLimits.maxFutureSkewMs },
};

const nastyConstants = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x\ud83d',
  '\ude00',
  '\ud83d\ud83d',
  '😀',
  'レポート出力',
  'ダッシュボード表示',
  'Отчёт',
  'Feature Used',
  'Report Exported',
  'feature.used',
  'constructor',
  '__proto__',
  'toString',
  '42 things',
  '!!!',
  'a'.repeat(201),
  `a.${'b'.repeat(150)}`,
  `Report ${'very '.repeat(40)}long`,
);
/** Strings as clients send them, and worse: any code unit (lone surrogates, U+0000), any script, long. */
const nastyString = fc.oneof(nastyConstants, fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 24 }), fc.string({ maxLength: 220 }));
const nastyJson = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
const nastyObject = fc.dictionary(nastyString, fc.oneof(nastyJson, nastyString), { maxKeys: 4 });

const anyInstant = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true });
const nearNow = fc.integer({ min: -40 * 86_400_000, max: 600_000 }).map((delta) => new Date(nowMs + delta));
/** Timestamps in every form SDKs and databases write, plus invalid and out-of-range ones. */
const timestamp = fc.oneof(
  fc.tuple(fc.oneof(nearNow, nearNow, anyInstant), fc.constantFrom('iso', 'offset', 'offsetNoColon', 'hourOffset', 'space', 'lower', 'nanos', 'noSeconds', 'noZone')).map(([date, form]) => format(date, form)),
  fc.constantFrom(
    '2016-12-31T23:59:60Z',
    '1970-01-01T00:00:00Z',
    '1999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-03-01T24:00:00Z',
    'yesterday',
    '',
    '1772359200000',
  ),
  nastyString,
);

function format(date: Date, form: string): string {
  const iso = date.toISOString();
  const shifted = new Date(date.getTime() + 9 * 3_600_000).toISOString().slice(0, 19);
  switch (form) {
    case 'offset':
      return `${shifted}+09:00`;
    case 'offsetNoColon':
      return `${shifted}+0900`;
    case 'hourOffset':
      return `${shifted}+09`;
    case 'space':
      return `${iso.slice(0, 10)} ${iso.slice(11, 23)}456+00`;
    case 'lower':
      return iso.toLowerCase();
    case 'nanos':
      return `${iso.slice(0, 23)}456789Z`;
    case 'noSeconds':
      return `${iso.slice(0, 16)}Z`;
    case 'noZone':
      return iso.slice(0, 19);
    default:
      return iso;
  }
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, arbitrary, fc.constant(null), fc.constant(''));
/** Mostly a plausible value, sometimes anything: whole batches fail on one bad field, and accepted ones are what the property is about. */
const mostly = <T, U>(plausible: fc.Arbitrary<T>, anything: fc.Arbitrary<U>) => fc.oneof({ arbitrary: plausible, weight: 12 }, { arbitrary: anything, weight: 1 });
const plausibleTime = fc.tuple(nearNow, fc.constantFrom('iso', 'offset', 'offsetNoColon', 'hourOffset', 'space', 'lower', 'nanos', 'noSeconds', 'noZone')).map(([date, form]) => format(date, form));

const nativeEvent = fc.record(
  {
    id: mostly(fc.uuid(), nastyString),
    type: mostly(fc.constantFrom('feature.used', 'session.started', 'nps.responded', 'x.y'), nastyString),
    accountId: mostly(fc.constantFrom('acme', 'globex'), nastyString),
    userId: mostly(fc.oneof(fc.constantFrom('u1', 'ユーザー', 'u\ud83d', 'u\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 })), nastyString),
    timestamp: mostly(plausibleTime, timestamp),
    properties: nastyObject,
  },
  { requiredKeys: ['id', 'type', 'accountId', 'timestamp'] },
);

const segmentMessage = fc.record(
  {
    type: mostly(fc.constantFrom(...segmentTypes), fc.constant('purchase')),
    messageId: maybe(mostly(fc.uuid(), nastyString)),
    userId: maybe(mostly(fc.oneof(fc.constantFrom('u1', 'ユーザー', 'stranger', 'u\ud83d'), fc.integer()), nastyString)),
    anonymousId: maybe(mostly(fc.uuid(), nastyString)),
    groupId: maybe(mostly(fc.constantFrom('acme', 'グローバル', 42), nastyString)),
    event: mostly(fc.oneof(nastyConstants, fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })), nastyString),
    name: maybe(mostly(fc.string({ unit: 'binary', maxLength: 30 }), nastyString)),
    timestamp: maybe(mostly(plausibleTime, timestamp)),
    originalTimestamp: maybe(mostly(plausibleTime, timestamp)),
    sentAt: maybe(mostly(plausibleTime, timestamp)),
    properties: maybe(fc.oneof(nastyObject, fc.record({ accountId: fc.oneof(fc.constant('acme'), nastyString), feature: nastyString, path: nastyString }))),
    traits: maybe(fc.oneof(nastyObject, fc.record({ plan: nastyString, seats: fc.integer(), name: nastyString, company: fc.record({ id: fc.oneof(fc.constant('acme'), nastyString), plan: nastyString }) }))),
    context: mostly(fc.record({ groupId: mostly(fc.constantFrom('acme', 'グローバル', 'a\u0000'), fc.oneof(nastyString, fc.constant(null))), page: fc.record({ path: nastyString, title: nastyString }) }), maybe(nastyObject)),
    library: nastyJson,
    channel: nastyString,
  },
  { requiredKeys: ['type'] },
);

const segmentBatch = fc.record({ batch: fc.array(segmentMessage, { minLength: 1, maxLength: 3 }), sentAt: maybe(mostly(plausibleTime, timestamp)), context: maybe(nastyObject) }, { requiredKeys: ['batch'] });
const singleCall = fc.tuple(fc.constantFrom(...segmentTypes), segmentMessage);

function storable(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(storable);
  if (value !== null && typeof value === 'object') return Object.entries(value).every(([key, item]) => isStorableText(key) && storable(item));
  return true;
}

/** What a consumer decodes: the message after the JSON round trip through Kafka. */
function expectProcessable(events: readonly NativeEvent[], source: TelemetryEvent['source']): void {
  for (const event of events) {
    const decoded: unknown = JSON.parse(JSON.stringify(toTelemetryEvent(event, receivedAt, source)));
    const validation = validateTelemetryEvent(decoded);
    if (!validation.ok) throw new Error(`accepted but refused downstream: ${JSON.stringify(validation.problems)} for ${JSON.stringify(decoded)}`);
    if (!storable(decoded)) throw new Error(`accepted but not storable: ${JSON.stringify(decoded)}`);
  }
}

describe('every event an ingestion route accepts is decodable downstream and storable', () => {
  const runs = { numRuns: 400 };

  it('POST /v1/events', () => {
    let acceptedEvents = 0;
    fc.assert(
      fc.property(fc.array(nativeEvent, { minLength: 1, maxLength: 3 }), (events) => {
        const result = validateEventBatch({ events }, nativeLimits, nowMs);
        if (!result.ok) return;
        acceptedEvents += result.events.length;
        expectProcessable(result.events, 'native');
      }),
      runs,
    );
    // The property is not vacuous: a fair share of the generated events got through.
    expect(acceptedEvents).toBeGreaterThan(20);
  });

  it('POST /v1/batch', () => {
    let acceptedEvents = 0;
    fc.assert(
      fc.property(segmentBatch, (body) => {
        const result = normalizeSegmentBatch(body, segmentContext);
        if (!result.ok) return;
        acceptedEvents += result.events.length;
        expectProcessable(result.events, 'segment');
      }),
      runs,
    );
    expect(acceptedEvents).toBeGreaterThan(25);
  });

  it('POST /v1/track, /identify, /group, /page, /screen and /alias', () => {
    const acceptedByRoute = new Map<string, number>();
    fc.assert(
      fc.property(singleCall, ([route, message]) => {
        const batch = segmentCallAsBatch(route, message);
        const result = normalizeSegmentBatch(batch, segmentContext);
        if (!result.ok) return;
        acceptedByRoute.set(route, (acceptedByRoute.get(route) ?? 0) + result.events.length);
        expectProcessable(result.events, 'segment');
      }),
      { numRuns: 1200 },
    );
    // Alias calls carry no account signal: every other route published something.
    expect([...acceptedByRoute.entries()].filter(([, count]) => count > 0).map(([route]) => route).sort()).toEqual(['group', 'identify', 'page', 'screen', 'track']);
  });
});

describe('the service limits are the shared ones', () => {
  it('IngestionEnv defaults equal eventLimits, so the routes and the topic schema cannot drift', () => {
    const env = new IngestionEnv();
    expect({
      maxBodyBytes: env.MAX_BODY_BYTES,
      maxEventBytes: env.MAX_EVENT_BYTES,
      maxPropertyDepth: env.MAX_PROPERTY_DEPTH,
      maxFutureSkewSeconds: env.MAX_FUTURE_SKEW_SECONDS,
      maxEventsPerBatch: env.MAX_EVENTS_PER_BATCH,
    }).toEqual({
      maxBodyBytes: eventLimits.maxBodyBytes,
      maxEventBytes: eventLimits.maxEventBytes,
      maxPropertyDepth: eventLimits.maxPropertyDepth,
      maxFutureSkewSeconds: eventLimits.maxFutureSkewSeconds,
      maxEventsPerBatch: eventLimits.maxEventsPerBatch,
    });
  });

  it('the topic schema and the native request schema take their lengths from eventLimits', () => {
    expect(telemetryEventSchema.properties.id.maxLength).toBe(eventLimits.maxIdLength);
    expect(telemetryEventSchema.properties.type.maxLength).toBe(eventLimits.maxTypeLength);
    const native = ingestEventsRequestSchema.properties.events.items.properties;
    expect([native.id.maxLength, native.accountId.maxLength, native.userId.maxLength, native.type.maxLength]).toEqual([
      eventLimits.maxIdLength,
      eventLimits.maxIdLength,
      eventLimits.maxIdLength,
      eventLimits.maxTypeLength,
    ]);
  });
});
