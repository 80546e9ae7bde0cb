import fc from 'fast-check';
import { eventLimits, parseEventTime, type TelemetryEvent } from '@bellwether/contracts';
import { ingestionInputArbitraries } from '@bellwether/testing';
import { validateEventBatch, type NativeEvent } from './event-batch.validator';
import { toTelemetryEvent } from './telemetry-event';

/** toTelemetryEvent as it was before issue 17 (spreads, a Date round trip per event): the reference. */
function referenceTelemetryEvent(event: NativeEvent, receivedAt: string, source: TelemetryEvent['source'], trusted = false): TelemetryEvent {
  return {
    schemaVersion: 1,
    id: event.id,
    type: event.type,
    accountId: event.accountId,
    ...(event.userId ? { userId: event.userId } : {}),
    timestamp: new Date(event.timestamp).toISOString(),
    receivedAt,
    source,
    properties: event.properties ?? {},
    ...(trusted ? { trustedAttributes: true as const } : {}),
  };
}

const nowMs = Date.parse('2026-03-01T12:00:00Z');
const receivedAt = new Date(nowMs).toISOString();
const limits = { maxEventsPerBatch: eventLimits.maxEventsPerBatch, maxEventBytes: eventLimits.maxEventBytes, maxPropertyDepth: eventLimits.maxPropertyDepth, maxFutureSkewMs: eventLimits.maxFutureSkewSeconds * 1000 };
const { nativeBatch, nativeEvent } = ingestionInputArbitraries({ nowMs, pastMs: 40 * 86_400_000 });

describe('toTelemetryEvent (seeded properties against the reference)', () => {
  it('writes the same JSON, byte for byte, as the reference for any event, source and trust', () => {
    let compared = 0;
    fc.assert(
      fc.property(nativeEvent, fc.constantFrom<TelemetryEvent['source']>('native', 'segment'), fc.boolean(), (raw, source, trusted) => {
        const event = raw as unknown as NativeEvent;
        if (typeof event.timestamp !== 'string') return;
        let expected: string;
        try {
          expected = JSON.stringify(referenceTelemetryEvent(event, receivedAt, source, trusted));
        } catch {
          // An invalid time throws in both (only the validators' output reaches it in production).
          expect(() => toTelemetryEvent(event, receivedAt, source, trusted)).toThrow(RangeError);
          return;
        }
        expect(JSON.stringify(toTelemetryEvent(event, receivedAt, source, trusted))).toBe(expected);
        compared += 1;
      }),
      { seed: 17, numRuns: 3000 },
    );
    expect(compared).toBeGreaterThan(1000);
  });

  it('accepted native events carry the time normalized as before: toISOString of the parsed time', () => {
    let accepted = 0;
    fc.assert(
      fc.property(nativeBatch, (body) => {
        const sent = (body as { events: { timestamp: string }[] }).events.map((event) => event.timestamp);
        const result = validateEventBatch(body, limits, nowMs);
        if (!result.ok) return;
        result.events.forEach((event, index) => expect(event.timestamp).toBe(new Date(parseEventTime(sent[index] ?? '') ?? Number.NaN).toISOString()));
        accepted += result.events.length;
      }),
      { seed: 17, numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
