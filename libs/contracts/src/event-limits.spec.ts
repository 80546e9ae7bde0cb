import fc from 'fast-check';
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

/** parseEventTime's arithmetic as it was before issue 17 (a Date set field by field), the reference. */
function referenceParse(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/.exec(text);
  if (text.length > eventLimits.maxTimestampLength || !match) return null;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s ?? '0'].map(Number) as [number, number, number, number, number, number];
  const leapYear = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !leapYear ? 1 : 0);
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 60) return null;
  const leap = second === 60;
  let offsetMs = 0;
  if (!zulu && sign) {
    if (Number(oh) > 23 || Number(om ?? 0) > 59) return null;
    offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om ?? 0)) * 60_000;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, leap ? 59 : second, leap ? 999 : Number((fraction ?? '').slice(0, 3).padEnd(3, '0')));
  return date.getTime() - offsetMs;
}

describe('parseEventTime matches the reference (seeded property)', () => {
  it('gives the same instant, or null, for any composed date-time', () => {
    const digits = (low: number, high: number, width = 2) => fc.integer({ min: low, max: high }).map((n) => String(n).padStart(width, '0'));
    const text = fc
      .tuple(digits(0, 9999, 4), digits(0, 13), digits(0, 32), fc.constantFrom('T', 't', ' '), digits(0, 24), digits(0, 60), fc.option(digits(0, 61)), fc.option(fc.stringMatching(/^[.,]\d{1,9}$/)), fc.constantFrom('', 'Z', 'z', '+09:00', '-0430', '+24', '-00:60'))
      .map(([y, mo, d, t, h, mi, s, fraction, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}${s === null ? '' : `:${s}${fraction ?? ''}`}${zone}`);
    fc.assert(
      fc.property(text, (value) => {
        expect(parseEventTime(value)).toBe(referenceParse(value));
      }),
      { seed: 17, numRuns: 20_000 },
    );
  });
});
