import fc from 'fast-check';
import { isIsoInstant, newestInstant } from './time';

/** What the check stands for: `Date` turns the text back into itself. */
function roundTrips(text: string): boolean {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text;
}

describe('isIsoInstant', () => {
  it.each(['2026-03-01T12:00:00.000Z', '2024-02-29T23:59:59.999Z', '2000-12-31T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'])('takes %s as its own ISO form', (text) => {
    expect(isIsoInstant(text)).toBe(true);
    expect(roundTrips(text)).toBe(true);
  });

  it.each([
    '2026-02-30T00:00:00.000Z', // Date rolls it over into March
    '2025-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2026-03-01T24:00:00.000Z',
    '2026-03-01T23:59:60.000Z',
    '2026-03-01T12:00:00Z',
    '2026-03-01T12:00:00.000z',
    '2026-03-01 12:00:00.000Z',
    '2026-03-01T12:00:00.000+00:00',
    '2026-03-01T12:00:00.0000Z',
    '+012026-03-01T12:00:00.000Z',
    '',
  ])('refuses %j', (text) => expect(isIsoInstant(text)).toBe(false));

  it('is true exactly for texts Date turns back into themselves, in that form (seeded property)', () => {
    const two = (low: number, high: number) => fc.integer({ min: low, max: high }).map((n) => String(n).padStart(2, '0'));
    const composed = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two(0, 13), two(0, 32), two(0, 25), two(0, 61), two(0, 61), fc.integer({ min: 0, max: 999 }), fc.constantFrom('Z', 'Z', 'Z', 'z', '+00:00', ''))
      .map(([y, mo, d, h, mi, s, ms, zone]) => `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}${zone}`);
    const written = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((date) => date.toISOString());
    fc.assert(
      fc.property(fc.oneof(composed, written), (text) => {
        expect(isIsoInstant(text)).toBe(roundTrips(text) && /^\d{4}-/.test(text));
      }),
      { seed: 17, numRuns: 20_000 },
    );
  });
});

describe('newestInstant', () => {
  it('is the newest instant in toISOString form, skipping unparseable ones; null for none', () => {
    expect(newestInstant(['2026-03-01T10:00:00Z', 'not a time', '2026-03-01T11:00:00.000+01:00', '2026-02-28T23:00:00.000Z'])).toBe('2026-03-01T10:00:00.000Z');
    expect(newestInstant(['nope'])).toBeNull();
    expect(newestInstant([])).toBeNull();
  });
});
