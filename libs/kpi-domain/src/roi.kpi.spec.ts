import { churnReductionRoi } from './roi.kpi';

describe('churnReductionRoi', () => {
  it('compounds over a short horizon (by hand)', () => {
    // MRR 1000, churn 3 % → 2 %, 2 months.
    // Month 1: 1000 × 0.98 − 1000 × 0.97 = 980 − 970 = 10.
    // Month 2: 1000 × 0.98² − 1000 × 0.97² = 960.4 − 940.9 = 19.5.
    // Revenue retained = 10 + 19.5 = 29.5; × margin 0.8 = 23.6.
    // Simple (no compounding): 1000 × 2 × 0.01 = 20. MRR gap at month 2: 19.5.
    const roi = churnReductionRoi({ currentMrr: 1000, fromMonthlyChurn: 0.03, toMonthlyChurn: 0.02, horizonMonths: 2, grossMarginPct: 0.8 });
    expect(roi.revenueRetained).toBeCloseTo(29.5, 9);
    expect(roi.grossProfitRetained).toBeCloseTo(23.6, 9);
    expect(roi.simpleRevenueRetained).toBeCloseTo(20, 9);
    expect(roi.mrrGapAtHorizon).toBeCloseTo(19.5, 9);
  });

  it('prices "churn 3 % → 2 %" per year', () => {
    // MRR 100 000, 12 months. Σ_{k=1..12} r^k = r(1 − r^12) / (1 − r):
    //   r = 0.98: 0.98^12 ≈ 0.784717 → 0.98 × 0.215283 / 0.02 ≈ 10.548881
    //   r = 0.97: 0.97^12 ≈ 0.693842 → 0.97 × 0.306158 / 0.03 ≈ 9.899097
    // Revenue retained ≈ 100 000 × (10.548881 − 9.899097) ≈ 64 978.35.
    // Simple: 100 000 × 12 × 0.01 = 12 000. MRR gap at month 12: 100 000 × (0.784717 − 0.693842) ≈ 9 087.44.
    const roi = churnReductionRoi({ currentMrr: 100_000, fromMonthlyChurn: 0.03, toMonthlyChurn: 0.02 });
    expect(roi.horizonMonths).toBe(12);
    expect(roi.revenueRetained).toBeCloseTo(64_978.35, 1);
    expect(roi.simpleRevenueRetained).toBeCloseTo(12_000, 6);
    expect(roi.mrrGapAtHorizon).toBeCloseTo(9_087.44, 1);
    expect(roi.grossProfitRetained).toBeNull();
  });

  it('is zero without MRR or change, and negative when churn rises', () => {
    expect(churnReductionRoi({ currentMrr: 0, fromMonthlyChurn: 0.03, toMonthlyChurn: 0.02 }).revenueRetained).toBe(0);
    expect(churnReductionRoi({ currentMrr: 500, fromMonthlyChurn: 0.02, toMonthlyChurn: 0.02 }).revenueRetained).toBe(0);
    expect(churnReductionRoi({ currentMrr: 1000, fromMonthlyChurn: 0.02, toMonthlyChurn: 0.03, horizonMonths: 2 }).revenueRetained).toBeCloseTo(-29.5, 9);
  });

  it('rejects churn in percent, negative MRR and a fractional horizon', () => {
    expect(() => churnReductionRoi({ currentMrr: 1, fromMonthlyChurn: 3, toMonthlyChurn: 2 })).toThrow(RangeError);
    expect(() => churnReductionRoi({ currentMrr: -1, fromMonthlyChurn: 0.03, toMonthlyChurn: 0.02 })).toThrow(RangeError);
    expect(() => churnReductionRoi({ currentMrr: 1, fromMonthlyChurn: 0.03, toMonthlyChurn: 0.02, horizonMonths: 1.5 })).toThrow(RangeError);
  });
});
