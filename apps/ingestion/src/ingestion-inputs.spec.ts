import fc from 'fast-check';
import { eventLimits, ingestEventsRequestSchema, isStorableText, telemetryEventSchema, validateTelemetryEvent, type TelemetryEvent } from '@bellwether/contracts';
import { ingestionInputArbitraries } from '@bellwether/testing';
import { IngestionEnv } from './ingestion.env';
import { defaultTrackEventMap, normalizeSegmentBatch, segmentCallAsBatch, toTelemetryEvent, validateEventBatch, type NativeEvent, type SegmentNormalizeContext } from '@bellwether/ingestion-domain';

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
const { nativeBatch, segmentBatch, singleCall } = ingestionInputArbitraries({ nowMs, pastMs: 40 * 86_400_000 });
const segmentContext: SegmentNormalizeContext = {
  receivedAtMs: nowMs,
  trackEventMap: defaultTrackEventMap,
  knownAccounts: new Map([
    ['u1', 'acme'],
    ['ユーザー', 'グローバル'],
  ]),
  limits: { maxEventsPerBatch: eventLimits.maxEventsPerBatch, maxMessageBytes: eventLimits.maxEventBytes, maxPropertyDepth: eventLimits.maxPropertyDepth, maxFutureSkewMs: nativeLimits.maxFutureSkewMs },
};

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
      fc.property(nativeBatch, (body) => {
        const result = validateEventBatch(body, nativeLimits, nowMs);
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
