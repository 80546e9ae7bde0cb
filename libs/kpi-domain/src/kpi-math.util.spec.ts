import { compareStrings, groupBy, quantile, ratio } from './kpi-math.util';

describe('ratio', () => {
  it('divides, and returns null instead of NaN or Infinity', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(Number.NaN, 2)).toBeNull();
  });
});

describe('quantile', () => {
  it('interpolates linearly between closest ranks', () => {
    // Sorted [1, 2, 3, 4], n − 1 = 3.
    // p = 0.5: h = 1.5 → 2 + 0.5 × (3 − 2) = 2.5.
    // p = 0.9: h = 2.7 → 3 + 0.7 × (4 − 3) = 3.7.
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0.9)).toBeCloseTo(3.7, 10);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
  });

  it('handles one value and no values', () => {
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => quantile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('groupBy and compareStrings', () => {
  it('groups in order of first appearance and compares ordinally', () => {
    expect([...groupBy(['b1', 'a1', 'b2'], (s) => s[0]).entries()]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1']],
    ]);
    expect(['b', 'B', 'a'].sort(compareStrings)).toEqual(['B', 'a', 'b']);
  });
});
