import { DAY_MS } from '@bellwether/contracts';
import { type Segment } from '@bellwether/contracts';
import { toMillis } from '@bellwether/playbook-domain';
import { alertVolumeByRule, type RuleAlertVolume, timeToAcknowledge, type TimeToAcknowledge } from './alerts.kpi';
import { type ChurnRate, churnBenchmarksByTier, DEFAULT_CHURN_BENCHMARKS, grossRevenueRetention, logoChurnRate, netRevenueRetention, revenueChurnRate, type TierChurnBenchmark } from './churn.kpi';
import {
  type AccountPeriodRecord,
  type AlertRecord,
  CHURN_TIERS,
  type KpiPeriod,
  type KpiSettings,
  type KpiValue,
  type NpsResponseRecord,
  type OnboardingRecord,
  type RateValue,
  type RiskDetectionRecord,
  type RunRecord,
} from './kpi.types';
import { assertFraction, assertNonNegative, assertPositive, sum } from './kpi-math.util';
import { arpa, type CohortLtv, customerLifetimeValue, ltvByCohort, ltvBySegment, type LtvResult, type LtvToCac, weightedGrossMargin } from './ltv.kpi';
import { latestResponsePerAccount, netPromoterScore, npsBySegment, type NpsResult } from './nps.kpi';
import { type OnboardingCompletion, onboardingCompletionRate } from './onboarding.kpi';
import { playbookOutcomesByVariant, type VariantOutcome } from './playbook-outcome.kpi';
import { type RecoveryRate, recoveryRate } from './recovery.kpi';
import { type ChurnReductionRoi, churnReductionRoi } from './roi.kpi';
import { upsellRate, upsellRateBySegment } from './upsell.kpi';

export const DEFAULT_KPI_SETTINGS: KpiSettings = {
  grossMarginPct: 0.8,
  maxLifetimeMonths: 120,
  lifetimeCapNote:
    'Expected lifetime is 1 / monthly logo churn, capped at maxLifetimeMonths: with little or no observed churn the uncapped figure (and so LTV) would be unbounded, and few B2B contracts are planned beyond ten years.',
  recoveryWindowDays: 90,
  churnBenchmarks: DEFAULT_CHURN_BENCHMARKS,
  onboardingCompletionTarget: 0.9,
  healthyLtvToCac: 3,
  roiChurnReduction: 0.01,
  roiHorizonMonths: 12,
};

/** `DEFAULT_KPI_SETTINGS` with `overrides` applied, validated: throws RangeError naming the bad setting. */
export function resolveKpiSettings(overrides: Partial<KpiSettings> = {}): KpiSettings {
  const settings: KpiSettings = { ...DEFAULT_KPI_SETTINGS, ...overrides };
  assertFraction(settings.grossMarginPct, 'settings.grossMarginPct');
  assertPositive(settings.maxLifetimeMonths, 'settings.maxLifetimeMonths');
  assertPositive(settings.recoveryWindowDays, 'settings.recoveryWindowDays');
  assertFraction(settings.onboardingCompletionTarget, 'settings.onboardingCompletionTarget');
  assertNonNegative(settings.healthyLtvToCac, 'settings.healthyLtvToCac');
  assertFraction(settings.roiChurnReduction, 'settings.roiChurnReduction');
  if (!(Number.isInteger(settings.roiHorizonMonths) && settings.roiHorizonMonths >= 1)) throw new RangeError(`settings.roiHorizonMonths must be an integer ≥ 1, got ${settings.roiHorizonMonths}`);
  for (const tier of CHURN_TIERS) {
    const band = settings.churnBenchmarks[tier];
    if (band === undefined) throw new RangeError(`settings.churnBenchmarks.${tier} is missing`);
    assertFraction(band.low, `settings.churnBenchmarks.${tier}.low`);
    assertFraction(band.high, `settings.churnBenchmarks.${tier}.high`);
    if (band.low > band.high) throw new RangeError(`settings.churnBenchmarks.${tier}: low must not exceed high`);
  }
  return settings;
}

/** Everything the portfolio KPIs are computed from. */
export interface PortfolioKpiInput {
  /** One record per account for the period (already scoped to it by the caller). */
  readonly accounts: readonly AccountPeriodRecord[];
  readonly npsResponses: readonly NpsResponseRecord[];
  readonly alerts: readonly AlertRecord[];
  readonly runs: readonly RunRecord[];
  readonly onboardings: readonly OnboardingRecord[];
  readonly riskDetections: readonly RiskDetectionRecord[];
}

export interface PortfolioKpiFilter {
  readonly segment?: Segment;
}

/** The body of GET /v1/portfolio/kpis. */
export interface PortfolioKpis {
  readonly period: KpiPeriod;
  /** The segment filter applied; `null` for the whole portfolio. */
  readonly segment: Segment | null;
  readonly settings: KpiSettings;
  readonly churn: {
    /** Per month (`periodValue`: over the period). */
    readonly logo: ChurnRate;
    /** Gross revenue churn per month (`periodValue`: over the period, = 1 − GRR). */
    readonly revenue: ChurnRate;
    /** Monthly logo churn per benchmark tier, for accounts that carry a tier. */
    readonly byTier: readonly TierChurnBenchmark[];
  };
  /** Over the period. */
  readonly grr: KpiValue;
  /** Over the period. */
  readonly nrr: KpiValue;
  /** Per month, at period end. */
  readonly arpa: KpiValue;
  readonly ltv: {
    readonly overall: LtvResult;
    readonly bySegment: Readonly<Record<Segment, LtvResult>>;
    readonly byCohort: readonly CohortLtv[];
    readonly lifetimeCapNote: string;
  };
  /** Portfolio LTV / average CAC (also inside every LTV result, per segment and cohort). */
  readonly ltvToCac: LtvToCac;
  /** Latest response per account answered in the period. */
  readonly nps: { readonly overall: NpsResult; readonly bySegment: Readonly<Record<Segment, NpsResult>> };
  /** Over the period, on the starting cohort. */
  readonly upsellRate: { readonly overall: RateValue; readonly bySegment: Readonly<Record<Segment, RateValue>> };
  /** Onboardings due in the period. */
  readonly onboardingCompletion: OnboardingCompletion;
  /** At-risk detections whose recovery window closed in the period. */
  readonly recovery: RecoveryRate;
  /** Alerts opened in the period. */
  readonly alerts: { readonly n: number; readonly byRule: readonly RuleAlertVolume[]; readonly timeToAcknowledge: TimeToAcknowledge };
  /** Runs started in the period, per playbook × variant. */
  readonly playbookOutcomes: readonly VariantOutcome[];
  /**
   * Revenue churn lowered by `settings.roiChurnReduction` (not below 0), priced over
   * `settings.roiHorizonMonths` with the MRR at period end; `value` is `projection.revenueRetained`,
   * `n` the starting cohort behind the revenue churn; `null` values when that churn is unknown.
   */
  readonly roi: { readonly value: number | null; readonly n: number; readonly projection: ChurnReductionRoi | null };
}

/**
 * All portfolio KPIs of product.md for one period, optionally for one segment. Which records
 * count:
 * - accounts: all given (they are per-period records); the filter keeps those whose `segment`
 *   matches.
 * - NPS: responses with `at` in [start, end), then the latest per account; filtered by the
 *   segment the account answered in.
 * - alerts: opened in [start, end); filtered by their `segment`.
 * - runs: started in [start, end); onboardings: due in [start, end); risk detections: recovery
 *   window (detectedAt + `recoveryWindowDays`) closing in [start, end). These three carry no
 *   segment: the filter uses the account's segment from `input.accounts` (an account without a
 *   record there is left out when a segment is asked for). Each onboarding and detection is
 *   judged as of the period end, when its result is known, so it counts in exactly one period.
 */
export function computePortfolioKpis(input: PortfolioKpiInput, period: KpiPeriod, settings: Partial<KpiSettings> = {}, filter: PortfolioKpiFilter = {}): PortfolioKpis {
  const resolved = resolveKpiSettings(settings);
  const start = toMillis(period.start);
  const end = toMillis(period.end);
  if (!(start < end)) throw new RangeError(`period.start must be before period.end, got ${period.start} … ${period.end}`);
  assertPositive(period.months, 'period.months');
  const inPeriod = (iso: string): boolean => {
    const at = toMillis(iso);
    return at >= start && at < end;
  };
  const segment = filter.segment ?? null;
  const accountSegment = new Map(input.accounts.map((account) => [account.accountId, account.segment]));
  const wanted = (accountId: string): boolean => segment === null || accountSegment.get(accountId) === segment;

  const accounts = input.accounts.filter((account) => segment === null || account.segment === segment);
  const responses = latestResponsePerAccount(input.npsResponses.filter((response) => inPeriod(response.at))).filter((response) => segment === null || response.segment === segment);
  const alerts = input.alerts.filter((alert) => inPeriod(alert.openedAt) && (segment === null || alert.segment === segment));
  const runs = input.runs.filter((run) => inPeriod(run.startedAt) && wanted(run.accountId));
  const onboardings = input.onboardings.filter((record) => inPeriod(record.dueAt) && wanted(record.accountId));
  const windowMs = resolved.recoveryWindowDays * DAY_MS;
  const detections = input.riskDetections.filter((detection) => {
    const windowEnd = toMillis(detection.detectedAt) + windowMs;
    return windowEnd >= start && windowEnd < end && wanted(detection.accountId);
  });

  const revenue = revenueChurnRate(accounts, period.months);
  const overallLtv = customerLifetimeValue(accounts, period.months, resolved);
  const projection =
    revenue.value === null
      ? null
      : churnReductionRoi({
          currentMrr: sum(accounts.map((account) => account.mrrAtEnd)),
          fromMonthlyChurn: revenue.value,
          toMonthlyChurn: Math.max(0, revenue.value - resolved.roiChurnReduction),
          horizonMonths: resolved.roiHorizonMonths,
          grossMarginPct: weightedGrossMargin(accounts, resolved.grossMarginPct),
        });

  return {
    period,
    segment,
    settings: resolved,
    churn: { logo: logoChurnRate(accounts, period.months), revenue, byTier: churnBenchmarksByTier(accounts, period.months, resolved.churnBenchmarks) },
    grr: grossRevenueRetention(accounts),
    nrr: netRevenueRetention(accounts),
    arpa: arpa(accounts),
    ltv: { overall: overallLtv, bySegment: ltvBySegment(accounts, period.months, resolved), byCohort: ltvByCohort(accounts, period.months, resolved), lifetimeCapNote: resolved.lifetimeCapNote },
    ltvToCac: overallLtv.ltvToCac,
    nps: { overall: netPromoterScore(responses), bySegment: npsBySegment(responses) },
    upsellRate: { overall: upsellRate(accounts), bySegment: upsellRateBySegment(accounts) },
    onboardingCompletion: onboardingCompletionRate(onboardings, period.end, resolved.onboardingCompletionTarget),
    recovery: recoveryRate(detections, resolved.recoveryWindowDays, period.end),
    alerts: { n: alerts.length, byRule: alertVolumeByRule(alerts), timeToAcknowledge: timeToAcknowledge(alerts) },
    playbookOutcomes: playbookOutcomesByVariant(runs),
    roi: { value: projection?.revenueRetained ?? null, n: revenue.n, projection },
  };
}
