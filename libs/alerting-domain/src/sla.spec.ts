import { slaDueAt } from './sla';

describe('slaDueAt', () => {
  it('starts the SLA at the event time the alert opened (event mode: no queue time)', () => {
    expect(slaDueAt('2026-03-01T10:00:00Z', 4 * 3600)).toBe('2026-03-01T14:00:00.000Z');
    expect(slaDueAt('2026-03-01T10:00:00.000Z', 48 * 3600, null)).toBe('2026-03-03T10:00:00.000Z');
  });

  it('in wall mode starts it when the alert reached the queue if that is later (late data keeps its whole SLA)', () => {
    expect(slaDueAt('2026-03-01T10:00:00Z', 4 * 3600, '2026-03-03T09:00:00Z')).toBe('2026-03-03T13:00:00.000Z');
    // An event time a little ahead of the wall clock (client skew) is not pulled back.
    expect(slaDueAt('2026-03-01T10:00:30Z', 4, '2026-03-01T10:00:00Z')).toBe('2026-03-01T10:00:34.000Z');
  });

  it('refuses times that are not instants', () => {
    expect(() => slaDueAt('yesterday', 4)).toThrow(RangeError);
    expect(() => slaDueAt('2026-03-01T10:00:00Z', 4, 'now')).toThrow(RangeError);
  });
});
