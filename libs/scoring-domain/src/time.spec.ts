import fc from 'fast-check';
import type { TelemetryEvent } from '@bellwether/contracts';
import { dayOf, eventTimeOf, timedEventOf } from './time';

function eventAt(timestamp: string): TelemetryEvent {
  return { schemaVersion: 1, id: 'e1', type: 'session.started', accountId: 'acme', timestamp, receivedAt: timestamp, source: 'native', properties: {} };
}

describe('timedEventOf', () => {
  it('reads an event time once, as eventTimeOf, Date.parse and dayOf read it (seeded, any offset and precision)', () => {
    const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) });
    const offsetMinutes = fc.integer({ min: -14 * 60, max: 14 * 60 });
    fc.assert(
      fc.property(instant, offsetMinutes, fc.boolean(), (ms, offset, withMillis) => {
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, withMillis ? 23 : 19);
        const sign = offset < 0 ? '-' : '+';
        const zone = `${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
        const event = eventAt(`${local}${zone}`);
        const timed = timedEventOf(event);
        expect(timed.event).toBe(event);
        expect(timed.time).toBe(eventTimeOf(event));
        expect(timed.ms).toBe(Date.parse(timed.time));
        expect(timed.day).toBe(dayOf(timed.time));
      }),
      { seed: 17, numRuns: 300 },
    );
  });

  it('throws a RangeError for a timestamp Date.parse cannot read, as eventTimeOf does', () => {
    expect(() => eventTimeOf(eventAt('not a time'))).toThrow(RangeError);
    expect(() => timedEventOf(eventAt('not a time'))).toThrow(RangeError);
  });
});
