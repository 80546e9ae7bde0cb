import { brierScore, rocAuc } from './churn-metrics';

describe('churn model metrics', () => {
  it('computes the AUC as the share of (churned, retained) pairs ordered right, ties one half', () => {
    // Churned 0.8, 0.4; retained 0.6, 0.2: pairs (0.8>0.6) (0.8>0.2) (0.4<0.6) (0.4>0.2) → 3 of 4.
    expect(rocAuc([0.8, 0.4, 0.6, 0.2], [1, 1, 0, 0])).toBe(0.75);
    // A tie between a churned and a retained example counts one half: (0.5=0.5) ½ + (0.5>0.1) 1 → 1.5 / 2.
    expect(rocAuc([0.5, 0.5, 0.1], [1, 0, 0])).toBe(0.75);
    expect(rocAuc([0.9, 0.1], [1, 0])).toBe(1);
    expect(rocAuc([0.1, 0.9], [1, 0])).toBe(0);
  });

  it('has no AUC with a class missing, and refuses mismatched or bad inputs', () => {
    expect(rocAuc([0.3, 0.4], [0, 0])).toBeNull();
    expect(() => rocAuc([0.3], [1, 0])).toThrow(RangeError);
    expect(() => rocAuc([0.3, 0.2], [1, 2])).toThrow('every label must be 0 (retained) or 1 (churned)');
    expect(() => rocAuc([Number.NaN, 0.2], [1, 0])).toThrow('finite');
  });

  it('computes the Brier score as the mean squared error of the probabilities', () => {
    // (0.9 − 1)² + (0.2 − 0)² + (0.6 − 0)² = 0.01 + 0.04 + 0.36 = 0.41 → / 3
    expect(brierScore([0.9, 0.2, 0.6], [1, 0, 0])).toBeCloseTo(0.41 / 3, 12);
    expect(brierScore([0.5, 0.5], [1, 0])).toBe(0.25);
    expect(brierScore([], [])).toBeNull();
    expect(() => brierScore([1.2], [1])).toThrow('within [0, 1]');
  });
});
