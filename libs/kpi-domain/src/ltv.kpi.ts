import { type Segment } from '@bellwether/contracts';
import { SEGMENTS } from '@bellwether/contracts';
import { assertAccountRecords, payingAtEnd } from './account-record.util';
import { logoChurnRate } from './churn.kpi';
import { type AccountPeriodRecord, type KpiSettings, type KpiValue } from './kpi.types';
import { assertFraction, assertNonNegative, assertPositive, compareStrings, groupBy, ratio, sum } from './kpi-math.util';

/** The settings LTV needs. */
export type LtvSettings = Pick<KpiSettings, 'grossMarginPct' | 'maxLifetimeMonths' | 'healthyLtvToCac'>;

/**
 * ARPA, average revenue per account, per month: Σ MRR at period end / number of accounts paying
 * at period end (`mrrAtEnd > 0`). `n` is that number; value `null` when it is 0.
 */
export function arpa(accounts: readonly AccountPeriodRecord[]): KpiValue {
  assertAccountRecords(accounts);
  const paying = payingAtEnd(accounts);
  return { value: ratio(sum(paying.map((account) => account.mrrAtEnd)), paying.length), n: paying.length };
}

/**
 * Gross margin of the accounts paying at period end, weighted by their MRR at end: each account
 * uses its own `grossMarginPct`, or `defaultMargin` when it has none. `defaultMargin` when no
 * account pays. ARPA × this margin = Σ (MRR at end × margin) / paying accounts.
 */
export function weightedGrossMargin(accounts: readonly AccountPeriodRecord[], defaultMargin: number): number {
  assertAccountRecords(accounts);
  assertFraction(defaultMargin, 'grossMarginPct');
  const paying = payingAtEnd(accounts);
  const weighted = ratio(sum(paying.map((account) => account.mrrAtEnd * (account.grossMarginPct ?? defaultMargin))), sum(paying.map((account) => account.mrrAtEnd)));
  return weighted ?? defaultMargin;
}

/** Expected customer lifetime in months and whether the cap applied. */
export interface ExpectedLifetime {
  readonly months: number;
  readonly capped: boolean;
}

/**
 * Expected lifetime in months = 1 / monthly logo churn (the mean of a geometric lifetime),
 * capped at `maxLifetimeMonths`; zero churn gives the cap. 2 % a month → 50 months.
 */
export function expectedLifetimeMonths(monthlyChurn: number, maxLifetimeMonths: number): ExpectedLifetime {
  assertFraction(monthlyChurn, 'monthlyChurn');
  assertPositive(maxLifetimeMonths, 'maxLifetimeMonths');
  const uncapped = monthlyChurn === 0 ? Infinity : 1 / monthlyChurn;
  return uncapped > maxLifetimeMonths ? { months: maxLifetimeMonths, capped: true } : { months: uncapped, capped: false };
}

/** LTV/CAC of a group. */
export interface LtvToCac {
  /** LTV / average CAC; `null` without an LTV, without CAC figures, or when the average CAC is 0. */
  readonly value: number | null;
  /** Accounts that supplied `cacUsd`. */
  readonly n: number;
  readonly averageCacUsd: number | null;
  /** `value ≥ healthyAt`; `null` when there is no value. */
  readonly healthy: boolean | null;
}

/**
 * LTV/CAC: the group's LTV per account divided by the average `cacUsd` of its accounts that
 * supplied one (a CAC of 0, an organic account, counts in the average). Healthy at ≥ `healthyAt`
 * (product.md: 3).
 */
export function ltvToCac(ltv: number | null, accounts: readonly AccountPeriodRecord[], healthyAt = 3): LtvToCac {
  assertAccountRecords(accounts);
  const cacs = accounts.flatMap((account) => (account.cacUsd === undefined ? [] : [account.cacUsd]));
  const averageCacUsd = ratio(sum(cacs), cacs.length);
  const value = ltv === null || averageCacUsd === null ? null : ratio(ltv, averageCacUsd);
  return { value, n: cacs.length, averageCacUsd, healthy: value === null ? null : value >= healthyAt };
}

/** LTV of a group of accounts, with its parts. */
export interface LtvResult {
  /** LTV per account = ARPA × gross margin × expected lifetime; `null` when ARPA or churn is unknown. */
  readonly value: number | null;
  /** Account records in the group. */
  readonly n: number;
  /** Per month, over the accounts paying at period end. */
  readonly arpa: KpiValue;
  /** MRR-weighted gross margin (see `weightedGrossMargin`). */
  readonly grossMargin: number;
  /** Monthly logo churn of the group's starting cohort. */
  readonly monthlyLogoChurn: KpiValue;
  readonly lifetimeMonths: number | null;
  readonly lifetimeCapped: boolean;
  readonly ltvToCac: LtvToCac;
}

/**
 * LTV per account of a group: ARPA (per month) × MRR-weighted gross margin × expected lifetime
 * in months (1 / monthly logo churn of the group, capped at `maxLifetimeMonths`). `null` when no
 * account pays at period end or the group had no starting cohort (e.g. a cohort that started in
 * the period: its churn is not observed yet).
 */
export function customerLifetimeValue(accounts: readonly AccountPeriodRecord[], months: number, settings: LtvSettings): LtvResult {
  assertAccountRecords(accounts);
  assertFraction(settings.grossMarginPct, 'grossMarginPct');
  assertPositive(settings.maxLifetimeMonths, 'maxLifetimeMonths');
  assertNonNegative(settings.healthyLtvToCac, 'healthyLtvToCac');
  const average = arpa(accounts);
  const grossMargin = weightedGrossMargin(accounts, settings.grossMarginPct);
  const churn = logoChurnRate(accounts, months);
  const lifetime = churn.value === null ? null : expectedLifetimeMonths(churn.value, settings.maxLifetimeMonths);
  const value = average.value === null || lifetime === null ? null : average.value * grossMargin * lifetime.months;
  return {
    value,
    n: accounts.length,
    arpa: average,
    grossMargin,
    monthlyLogoChurn: { value: churn.value, n: churn.n },
    lifetimeMonths: lifetime?.months ?? null,
    lifetimeCapped: lifetime?.capped ?? false,
    ltvToCac: ltvToCac(value, accounts, settings.healthyLtvToCac),
  };
}

/** LTV of each segment (every segment present, `null` values when it has no accounts). */
export function ltvBySegment(accounts: readonly AccountPeriodRecord[], months: number, settings: LtvSettings): Readonly<Record<Segment, LtvResult>> {
  const entries = SEGMENTS.map((segment) => [segment, customerLifetimeValue(accounts.filter((account) => account.segment === segment), months, settings)] as const);
  return Object.fromEntries(entries) as Record<Segment, LtvResult>;
}

export interface CohortLtv extends LtvResult {
  readonly cohort: string;
}

/** LTV of each cohort present in the accounts, sorted by cohort label (so `YYYY-MM` sorts by time). */
export function ltvByCohort(accounts: readonly AccountPeriodRecord[], months: number, settings: LtvSettings): CohortLtv[] {
  const cohorts = [...groupBy(accounts, (account) => account.cohort).entries()].sort(([a], [b]) => compareStrings(a, b));
  return cohorts.map(([cohort, members]) => ({ cohort, ...customerLifetimeValue(members, months, settings) }));
}
