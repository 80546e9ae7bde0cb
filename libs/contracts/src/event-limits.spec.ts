import { eventLimits, eventTimeProblem, parseEventTime } from './event-limits';

const at = (iso: string) => Date.parse(iso);

describe('parseEventTime', () => {
  it.each([
    ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T19:00:00+09:00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T19:00:00+0900', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T19:00:00+09', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T05:30:00-04:30', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00.1Z', '2026-03-01T10:00:00.100Z'],
    ['2026-03-01T10:00:00.123456Z', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01T10:00:00.123456789Z', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01T10:00:00,5Z', '2026-03-01T10:00:00.500Z'],
    ['2026-03-01 10:00:00+00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01 10:00:00.123456+00', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01t10:00:00z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00', '2026-03-01T10:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
    ['2016-12-31T23:59:60.5Z', '2016-12-31T23:59:59.999Z'],
    ['2017-01-01T08:59:60+09:00', '2016-12-31T23:59:59.999Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(new Date(parseEventTime(text) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '',
    '2026-03-01',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T10:60:00Z',
    '2026-03-01T10:00:61Z',
    '2026-03-01T10:00:00+24:00',
    '2026-03-01T10:00:00+09:60',
    '2026-03-01T10:00:00.Z',
    '+275760-09-13T00:00:00Z',
    `2026-03-01T10:00:00.${'1'.repeat(eventLimits.maxTimestampLength)}Z`,
    '1772359200000',
  ])('refuses %j, never throwing', (text) => {
    expect(parseEventTime(text)).toBeNull();
  });
});

describe('eventTimeProblem', () => {
  const now = at('2026-03-01T12:00:00Z');

  it('accepts times from 2000-01-01 to now plus the skew', () => {
    expect(eventTimeProblem(at('2000-01-01T00:00:00Z'), now, 300_000)).toBeNull();
    expect(eventTimeProblem(now + 300_000, now, 300_000)).toBeNull();
  });

  it('names times before 2000 and beyond the skew', () => {
    expect(eventTimeProblem(at('1999-12-31T23:59:59.999Z'), now, 300_000)).toBe('is before 2000-01-01');
    expect(eventTimeProblem(now + 3_600_000, now, 300_000)).toBe('is 3600 s in the future; at most 300 s of clock skew is allowed');
  });
});
