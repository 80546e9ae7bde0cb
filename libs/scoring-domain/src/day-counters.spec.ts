import fc from 'fast-check';
import { sumDays, sumDayWindows, type DayWindow } from './day-counters';

/** The straightforward reading: one pass over the counter per window, in its key order. */
function referenceSum(counters: Record<string, number>, window: DayWindow): number {
  return Object.entries(counters)
    .filter(([key]) => Number(key) >= window.from && Number(key) <= window.to)
    .reduce((sum, [, count]) => sum + count, 0);
}

const BASE_DAY = 20_400;

/** Counters as states hold them: ~90 day keys near BASE_DAY, whole counts, sometimes fractions (order-sensitive sums), sometimes a stray key. */
const counters = fc
  .tuple(
    fc.dictionary(
      fc.integer({ min: BASE_DAY - 120, max: BASE_DAY + 10 }).map(String),
      fc.oneof(fc.integer({ min: 0, max: 500 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
      { maxKeys: 90 },
    ),
    fc.option(fc.constantFrom('-3', 'x', '1e3', ''), { nil: undefined }),
  )
  .map(([byDay, stray]) => (stray === undefined ? byDay : { ...byDay, [stray]: 7 }));

const day = fc.integer({ min: BASE_DAY - 130, max: BASE_DAY + 20 });
const windows = fc.array(fc.record({ from: day, to: day }), { maxLength: 8 });

describe('day counter sums', () => {
  // Seeded: the same cases on every run, so a failure reproduces.
  const runs = { seed: 17, numRuns: 400 };

  it('sums every window in one pass exactly as a pass per window does (bit for bit)', () => {
    fc.assert(
      fc.property(counters, windows, (byDay, wanted) => {
        const sums = sumDayWindows(byDay, wanted);
        expect(sums).toHaveLength(wanted.length);
        wanted.forEach((window, index) => expect(Object.is(sums[index], referenceSum(byDay, window))).toBe(true));
      }),
      runs,
    );
  });

  it('sums one window as the reference does', () => {
    fc.assert(
      fc.property(counters, day, day, (byDay, from, to) => {
        expect(Object.is(sumDays(byDay, from, to), referenceSum(byDay, { from, to }))).toBe(true);
      }),
      runs,
    );
  });

  it('reads the windows of a state: the last 7 and 30 days and the baseline before them', () => {
    const activity = { [BASE_DAY - 40]: 5, [BASE_DAY - 30]: 2, [BASE_DAY - 10]: 3, [BASE_DAY - 6]: 4, [BASE_DAY]: 1, [BASE_DAY + 1]: 9 };
    const last = (days: number): DayWindow => ({ from: BASE_DAY - days + 1, to: BASE_DAY });
    expect(sumDayWindows(activity, [last(7), last(30), { from: BASE_DAY - 34, to: BASE_DAY - 7 }, { from: BASE_DAY, to: BASE_DAY - 1 }])).toEqual([5, 8, 5, 0]);
    expect(sumDayWindows(activity, [])).toEqual([]);
    expect(sumDayWindows({}, [last(7)])).toEqual([0]);
  });
});
