import { accountLtv, monthlyChurnProbability } from './ltv';

describe('account LTV', () => {
  it('turns a 12-month churn risk into a monthly probability', () => {
    // 1 − (1 − 0.5)^(1/12) = 1 − 0.94387 = 0.05613
    expect(monthlyChurnProbability(0.5)).toBeCloseTo(0.05613, 4);
    expect(monthlyChurnProbability(0)).toBe(0);
    expect(monthlyChurnProbability(1)).toBe(1);
  });

  it('is MRR × margin × 1 / monthly churn', () => {
    // monthly = 1 − 0.5^(1/12) = 0.056126; 1000 × 0.8 × (1 / 0.056126) = 800 × 17.8171 = 14253.7
    expect(accountLtv(1000, 0.5)).toBe(14254);
  });

  it('caps the lifetime (a churn risk near 0 would mean forever)', () => {
    expect(accountLtv(1000, 0)).toBe(1000 * 0.8 * 120);
    expect(accountLtv(1000, 0.001)).toBe(1000 * 0.8 * 120);
  });

  it('is unknown without an MRR', () => {
    expect(accountLtv(undefined, 0.2)).toBeNull();
  });
});
