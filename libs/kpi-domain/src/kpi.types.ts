import { type AlertCategory, type AlertOutcome, type RunOutcome, type Segment } from '@bellwether/contracts';

/**
 * Inputs and results of the portfolio KPIs (product.md, "KPIs"). Everything here is plain data:
 * the caller (the playbook service) builds the records from events and run outcomes, and passes
 * the period in; no function reads a clock.
 *
 * Units, once for all:
 * - Money (MRR, CAC, LTV, ROI) is in the account currency (USD where CAC is `cacUsd`); MRR is
 *   per month.
 * - Rates and shares are fractions: 0.03 means 3 %. NPS is the exception: it is in points,
 *   −100…100, as the score is conventionally quoted.
 * - Times are ISO-8601 strings; durations are in minutes or days as the name says.
 * - Every KPI carries `n`, the number of records its value is computed from; a value is `null`
 *   (never NaN or Infinity) when `n` is 0 or its denominator is 0.
 */

/** Benchmark tiers of product.md (monthly logo churn: enterprise < 1 %, mid-market 1–2 %, SMB 3–7 %). */
export const CHURN_TIERS = ['enterprise', 'mid_market', 'smb'] as const;
export type ChurnTier = (typeof CHURN_TIERS)[number];

/** The reporting period. Rates over the period are turned into monthly rates with `months`. */
export interface KpiPeriod {
  /** Inclusive start, ISO-8601. */
  readonly start: string;
  /** Exclusive end, ISO-8601; after `start`. */
  readonly end: string;
  /** Length of the period in months (1 = a month, 3 = a quarter, 12 = a year); > 0. */
  readonly months: number;
}

/**
 * One account over the period: its MRR at both ends and the MRR movements in between. The
 * caller builds one record per account that was a customer at some time in the period.
 * Money fields are non-negative; movements are magnitudes (a contraction of 50 is `50`).
 */
export interface AccountPeriodRecord {
  readonly accountId: string;
  /** Segment at period end, or the last known one for an account that churned. */
  readonly segment: Segment;
  /** Cohort label, e.g. the contract start month `YYYY-MM`. */
  readonly cohort: string;
  /** MRR at period start; 0 when the account was not a customer then. */
  readonly mrrAtStart: number;
  /** MRR at period end; 0 once churned. */
  readonly mrrAtEnd: number;
  /** MRR added by upsell / cross-sell during the period. */
  readonly expansionMrr: number;
  /** MRR removed by downgrades during the period (the account stayed). */
  readonly contractionMrr: number;
  /** When the account churned, within the period; `null` when it did not. */
  readonly churnedAt: string | null;
  /** MRR lost when it churned (0 when it did not). */
  readonly churnedMrr: number;
  /** Whether the account became a customer during the period (then `mrrAtStart` is 0). */
  readonly newInPeriod: boolean;
  /** Gross margin as a fraction in [0, 1] (0.8 = 80 %); `KpiSettings.grossMarginPct` when absent. */
  readonly grossMarginPct?: number;
  /** Cost to acquire this account, in USD. */
  readonly cacUsd?: number;
  /** Benchmark tier (by deal size), for classifying churn; optional. */
  readonly tier?: ChurnTier;
}

/** One NPS survey answer. */
export interface NpsResponseRecord {
  readonly accountId: string;
  /** The account's segment when it answered. */
  readonly segment: Segment;
  /** 0–10, an integer. */
  readonly score: number;
  /** When it answered, ISO-8601. */
  readonly at: string;
}

/** One alert and how it was handled (the alerting service's lifecycle, flattened). */
export interface AlertRecord {
  readonly alertId: string;
  readonly rule: string;
  readonly category: AlertCategory;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
  readonly outcome: AlertOutcome | null;
  /** The account's segment when the alert opened. */
  readonly segment: Segment;
}

/** One playbook run. `outcome` is `null` while the run is still going. */
export interface RunRecord {
  readonly runId: string;
  readonly playbookId: string;
  readonly variantId: string;
  readonly accountId: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly outcome: RunOutcome | null;
}

/** One account's onboarding: done when `completedAt` is at or before `dueAt`. */
export interface OnboardingRecord {
  readonly accountId: string;
  readonly startedAt: string;
  /** When the required milestones were all reached; `null` while they are not. */
  readonly completedAt: string | null;
  /** End of the onboarding period (product.md: 90 days from contract start by default). */
  readonly dueAt: string;
}

/** One at-risk detection and, if the account churned, when. */
export interface RiskDetectionRecord {
  readonly accountId: string;
  readonly detectedAt: string;
  /** When the account churned (at any time after the detection); `null` when it has not. */
  readonly churnedAt: string | null;
}

/** A benchmark band of monthly logo churn: within when `low ≤ rate ≤ high` (`< high` when `highExclusive`). */
export interface ChurnBenchmarkBand {
  readonly low: number;
  readonly high: number;
  readonly highExclusive: boolean;
}

export interface KpiSettings {
  /** Gross margin for accounts without their own, as a fraction in [0, 1]. Default 0.8. */
  readonly grossMarginPct: number;
  /** Cap on the expected lifetime (1 / monthly logo churn), in months. Default 120 (10 years). */
  readonly maxLifetimeMonths: number;
  /** Why the lifetime is capped; returned with the LTV figures. */
  readonly lifetimeCapNote: string;
  /** An at-risk detection counts as recovered when the account has not churned this many days after it. Default 90. */
  readonly recoveryWindowDays: number;
  /** Monthly logo churn bands per tier. Default: product.md's. */
  readonly churnBenchmarks: Readonly<Record<ChurnTier, ChurnBenchmarkBand>>;
  /** Onboarding completion target, a fraction. Default 0.9 (product.md). */
  readonly onboardingCompletionTarget: number;
  /** LTV/CAC at or above which unit economics count as healthy. Default 3 (product.md). */
  readonly healthyLtvToCac: number;
  /** The churn reduction the ROI projection prices, in monthly rate (0.01 = one point, "3 % → 2 %"). Default 0.01. */
  readonly roiChurnReduction: number;
  /** Horizon of the ROI projection in months. Default 12 ("per year"). */
  readonly roiHorizonMonths: number;
}

/** A KPI value and the number of records behind it. */
export interface KpiValue {
  readonly value: number | null;
  readonly n: number;
}

/** A share: `value = count / n`, `null` when `n` is 0. */
export interface RateValue extends KpiValue {
  readonly count: number;
}
