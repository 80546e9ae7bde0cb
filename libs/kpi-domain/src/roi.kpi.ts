import { assertFraction, assertNonNegative } from './kpi-math.util';

/** What a churn change is worth ("churn 3 % → 2 % is worth X per year"). */
export interface ChurnReductionInput {
  /** Today's MRR. */
  readonly currentMrr: number;
  /** Monthly churn today, a fraction (0.03 = 3 %). */
  readonly fromMonthlyChurn: number;
  /** Monthly churn after the improvement. */
  readonly toMonthlyChurn: number;
  /** Months priced, an integer ≥ 1. Default 12. */
  readonly horizonMonths?: number;
  /** Gross margin, a fraction; when given, `grossProfitRetained` is filled. */
  readonly grossMarginPct?: number;
}

export interface ChurnReductionRoi {
  readonly currentMrr: number;
  readonly fromMonthlyChurn: number;
  readonly toMonthlyChurn: number;
  readonly horizonMonths: number;
  /**
   * The headline, compounding: extra revenue billed over the next `horizonMonths` months if
   * monthly churn were `to` instead of `from`, with no new business and no expansion:
   * Σ_{k=1..H} MRR × ((1 − to)^k − (1 − from)^k). Month k bills the MRR left after k months of
   * churn, so churn compounds and the gap widens every month.
   */
  readonly revenueRetained: number;
  /** `revenueRetained` × gross margin; `null` without a margin. */
  readonly grossProfitRetained: number | null;
  /**
   * Back-of-envelope, no compounding: MRR × H × (from − to), i.e. one month's saved MRR billed
   * for H months. Lower than the headline because it ignores that the saving repeats every month.
   */
  readonly simpleRevenueRetained: number;
  /** MRR difference at the end of the horizon: MRR × ((1 − to)^H − (1 − from)^H). */
  readonly mrrGapAtHorizon: number;
}

/**
 * Prices a change of monthly churn (see `ChurnReductionRoi` for the formulas and the compounding
 * choice). All figures are negative when churn rises. Throws RangeError for churn outside
 * [0, 1], negative MRR or a horizon that is not a whole number ≥ 1.
 */
export function churnReductionRoi(input: ChurnReductionInput): ChurnReductionRoi {
  const { currentMrr, fromMonthlyChurn, toMonthlyChurn, grossMarginPct } = input;
  const horizonMonths = input.horizonMonths ?? 12;
  assertNonNegative(currentMrr, 'currentMrr');
  assertFraction(fromMonthlyChurn, 'fromMonthlyChurn');
  assertFraction(toMonthlyChurn, 'toMonthlyChurn');
  if (grossMarginPct !== undefined) assertFraction(grossMarginPct, 'grossMarginPct');
  if (!(Number.isInteger(horizonMonths) && horizonMonths >= 1)) throw new RangeError(`horizonMonths must be an integer ≥ 1, got ${horizonMonths}`);
  let revenueRetained = 0;
  for (let k = 1; k <= horizonMonths; k += 1) revenueRetained += currentMrr * (Math.pow(1 - toMonthlyChurn, k) - Math.pow(1 - fromMonthlyChurn, k));
  return {
    currentMrr,
    fromMonthlyChurn,
    toMonthlyChurn,
    horizonMonths,
    revenueRetained,
    grossProfitRetained: grossMarginPct === undefined ? null : revenueRetained * grossMarginPct,
    simpleRevenueRetained: currentMrr * horizonMonths * (fromMonthlyChurn - toMonthlyChurn),
    mrrGapAtHorizon: currentMrr * (Math.pow(1 - toMonthlyChurn, horizonMonths) - Math.pow(1 - fromMonthlyChurn, horizonMonths)),
  };
}
