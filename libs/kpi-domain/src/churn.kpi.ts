import { assertAccountRecords, startingCohort } from './account-record.util';
import { type AccountPeriodRecord, CHURN_TIERS, type ChurnBenchmarkBand, type ChurnTier, type KpiValue } from './kpi.types';
import { assertFraction, assertPositive, ratio, sum } from './kpi-math.util';

/**
 * Churn and retention over the starting cohort (see `startingCohort`). Churn rates are quoted
 * per month; GRR and NRR are for the whole period, as measured.
 */

/** A churn rate: `value` per month, `periodValue` over the whole period. */
export interface ChurnRate extends KpiValue {
  /** Churn over the whole period; `null` when the base is 0. */
  readonly periodValue: number | null;
  readonly months: number;
  /** Logo churn: accounts that churned. Revenue churn: MRR lost (churned + contracted). */
  readonly lost: number;
  /** Logo churn: accounts at start. Revenue churn: MRR at start. */
  readonly base: number;
}

/**
 * The monthly rate equivalent to `periodRate` over `months` months, assuming the same rate
 * every month and compounding: the share kept over the period is the monthly share kept raised
 * to the number of months, so monthly = 1 − (1 − periodRate)^(1 / months). A quarter with 15 %
 * churn is 1 − 0.85^(1/3) ≈ 5.27 % a month (not 15 % / 3 = 5 %). One month returns the rate
 * unchanged. Throws RangeError for a rate outside [0, 1] or months ≤ 0.
 */
export function toMonthlyRate(periodRate: number, months: number): number {
  assertFraction(periodRate, 'periodRate');
  assertPositive(months, 'months');
  if (months === 1) return periodRate;
  return 1 - Math.pow(1 - periodRate, 1 / months);
}

/**
 * Logo churn per month: accounts of the starting cohort that churned in the period divided by
 * the size of the starting cohort, normalized to a month with `toMonthlyRate`. `n` is the size
 * of the starting cohort; value `null` when it is 0.
 */
export function logoChurnRate(accounts: readonly AccountPeriodRecord[], months: number): ChurnRate {
  assertAccountRecords(accounts);
  assertPositive(months, 'months');
  const cohort = startingCohort(accounts);
  const lost = cohort.filter((account) => account.churnedAt !== null).length;
  return churnRate(lost, cohort.length, cohort.length, months);
}

/**
 * Gross revenue churn per month: MRR the starting cohort lost in the period (churned MRR plus
 * contraction, each account's loss capped at its own starting MRR) divided by the cohort's MRR at
 * start, normalized to a month with `toMonthlyRate`. Expansion does not offset it (that is NRR).
 * Over the period it equals 1 − GRR. `n` is the size of the starting cohort.
 */
export function revenueChurnRate(accounts: readonly AccountPeriodRecord[], months: number): ChurnRate {
  assertAccountRecords(accounts);
  assertPositive(months, 'months');
  const cohort = startingCohort(accounts);
  const base = sum(cohort.map((account) => account.mrrAtStart));
  const lost = sum(cohort.map((account) => Math.min(account.mrrAtStart, account.churnedMrr + account.contractionMrr)));
  return churnRate(lost, base, cohort.length, months);
}

function churnRate(lost: number, base: number, n: number, months: number): ChurnRate {
  const periodValue = ratio(lost, base);
  return { value: periodValue === null ? null : toMonthlyRate(periodValue, months), periodValue, months, lost, base, n };
}

/**
 * Gross revenue retention over the period: Σ max(0, MRR at start − contraction − churned MRR)
 * / Σ MRR at start, over the starting cohort. In [0, 1]; expansion never lifts it. `n` is the
 * size of the starting cohort; value `null` when the cohort's MRR at start is 0.
 */
export function grossRevenueRetention(accounts: readonly AccountPeriodRecord[]): KpiValue {
  assertAccountRecords(accounts);
  const cohort = startingCohort(accounts);
  const retained = sum(cohort.map((account) => Math.max(0, account.mrrAtStart - account.contractionMrr - account.churnedMrr)));
  return { value: ratio(retained, sum(cohort.map((account) => account.mrrAtStart))), n: cohort.length };
}

/**
 * Net revenue retention over the period: Σ max(0, MRR at start + expansion − contraction −
 * churned MRR) / Σ MRR at start, over the starting cohort (new accounts excluded). Above 1 when
 * expansion outgrows losses. `n` is the size of the starting cohort.
 */
export function netRevenueRetention(accounts: readonly AccountPeriodRecord[]): KpiValue {
  assertAccountRecords(accounts);
  const cohort = startingCohort(accounts);
  const retained = sum(cohort.map((account) => Math.max(0, account.mrrAtStart + account.expansionMrr - account.contractionMrr - account.churnedMrr)));
  return { value: ratio(retained, sum(cohort.map((account) => account.mrrAtStart))), n: cohort.length };
}

/** product.md's monthly logo churn benchmarks: enterprise < 1 %, mid-market 1–2 %, SMB 3–7 %. */
export const DEFAULT_CHURN_BENCHMARKS: Readonly<Record<ChurnTier, ChurnBenchmarkBand>> = {
  enterprise: { low: 0, high: 0.01, highExclusive: true },
  mid_market: { low: 0.01, high: 0.02, highExclusive: false },
  smb: { low: 0.03, high: 0.07, highExclusive: false },
};

/** `better`: below the band; `within`: in it; `worse`: above it. */
export type BenchmarkVerdict = 'better' | 'within' | 'worse';

/**
 * Where a monthly churn rate stands against its tier's band: `better` below `low`, `within`
 * from `low` to `high` (excluding `high` when `highExclusive`), `worse` above. Enterprise's band
 * starts at 0, so it is never `better`; 1 % is already `worse` for enterprise ("< 1 %") but
 * `within` for mid-market ("1–2 %").
 */
export function classifyChurn(monthlyRate: number, tier: ChurnTier, benchmarks: Readonly<Record<ChurnTier, ChurnBenchmarkBand>> = DEFAULT_CHURN_BENCHMARKS): BenchmarkVerdict {
  assertFraction(monthlyRate, 'monthlyRate');
  const band = benchmarks[tier];
  if (monthlyRate < band.low) return 'better';
  const withinHigh = band.highExclusive ? monthlyRate < band.high : monthlyRate <= band.high;
  return withinHigh ? 'within' : 'worse';
}

/** Monthly logo churn of one tier's accounts, with its verdict (`null` when the tier has no starting cohort). */
export interface TierChurnBenchmark {
  readonly tier: ChurnTier;
  readonly logoChurn: ChurnRate;
  readonly band: ChurnBenchmarkBand;
  readonly verdict: BenchmarkVerdict | null;
}

/**
 * Monthly logo churn per benchmark tier, for the tiers the accounts carry (accounts without a
 * tier are left out), in the order enterprise, mid-market, SMB.
 */
export function churnBenchmarksByTier(
  accounts: readonly AccountPeriodRecord[],
  months: number,
  benchmarks: Readonly<Record<ChurnTier, ChurnBenchmarkBand>> = DEFAULT_CHURN_BENCHMARKS,
): TierChurnBenchmark[] {
  const tiers = CHURN_TIERS.filter((tier) => accounts.some((account) => account.tier === tier));
  return tiers.map((tier) => {
    const logoChurn = logoChurnRate(accounts.filter((account) => account.tier === tier), months);
    return { tier, logoChurn, band: benchmarks[tier], verdict: logoChurn.value === null ? null : classifyChurn(logoChurn.value, tier, benchmarks) };
  });
}
