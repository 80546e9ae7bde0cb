import type { HealthBand, LifecycleStage, ScoreDriver, ScoreSnapshot, Segment } from '@bellwether/contracts';
import type { AccountState } from './account-state';
import { churnProbability, type ChurnInputs } from './churn-model';
import { isChampionLost } from './long-horizon';
import { measures, npsCategory, USAGE_LEVEL_FULL, USAGE_LEVEL_NONE, type MeasureResult } from './measures';
import type { MeasureId, Scorecard } from './scorecard';
import { deriveSignals, type Signals } from './signals';
import { dayOf } from './time';

/** A full evaluation of one account as of a day: scores, drivers and the signals behind them. */
export interface AccountEvaluation {
  readonly snapshot: ScoreSnapshot;
  readonly drivers: readonly ScoreDriver[];
  readonly explanations: Readonly<Record<string, string>>;
  readonly signals: Signals;
  readonly scorecardVersion: string;
}

/** Activity below half of the baseline is a steep decline (product.md's "activity fell ≥ 50%"). */
export const STEEP_DECLINE_TREND = 0.5;

export function bandOf(health: number, bands: Scorecard['bands']): HealthBand {
  if (health >= bands.green) return 'green';
  if (health >= bands.yellow) return 'yellow';
  return 'red';
}

/**
 * The churn probability. `health` is the score's health; on insufficient data `evaluateAccount`
 * passes the health with every measure lacking data read as a neutral 50, so the model's
 * intercept (the prior) carries what is not known while event signals still count. The model is
 * the scorecard's learned one when it has enough outcomes, else the documented default
 * (`activeChurnModel`).
 */
export function churnRisk(health: number, signals: Signals, scorecard: Scorecard): number {
  return churnProbability(scorecard, churnInputsOf(health, signals));
}

/** The churn model's inputs of an evaluation: its (risk) health and its signals. */
export function churnInputsOf(health: number, signals: Signals): ChurnInputs {
  return {
    health,
    billingTrouble: signals.billingTrouble.length > 0,
    detractor: signals.nps !== null && npsCategory(signals.nps.score) === 'detractor',
    steepDecline: isSteepDecline(signals),
    longDecline: longDeclineOf(signals),
    championLost: isChampionLost(signals.champion) || (signals.keyFeatureOwnersLost ?? []).length > 0,
    activityTrend: signals.activityTrend,
    activeUsers30: signals.activeUsers30,
    seats: signals.seats,
    tickets30: signals.ticketsLast30,
  };
}

/**
 * The segment. With `insufficientData` the band is no opinion: only event signals (a detractor,
 * billing trouble, a steep decline) put the account at risk, and it cannot be `loyal` yet.
 */
export function segmentOf(band: HealthBand, signals: Signals, scorecard: Scorecard, insufficientData = false): Segment {
  const detractor = signals.nps !== null && npsCategory(signals.nps.score) === 'detractor';
  if ((band === 'red' && !insufficientData) || detractor || isSteepDecline(signals) || isLongDecline(signals) || signals.billingTrouble.length > 0) return 'at_risk';
  if (insufficientData) return 'stable';
  const promoter = signals.nps !== null && npsCategory(signals.nps.score) === 'promoter';
  const keyFeatures = scorecard.signals.keyFeatures.length;
  const highAdoption = keyFeatures > 0 && signals.keyFeaturesUsed30 / keyFeatures >= 0.6;
  if (band === 'green' && promoter && highAdoption) return 'loyal';
  return 'stable';
}

/** How far back a closed at-risk day still makes a recovered account a reactivation (days). */
export const REACTIVATION_WINDOW_DAYS = 30;
/** Closed at-risk days within the window needed for a reactivation: one wobble is not a rescue. */
export const REACTIVATION_MIN_AT_RISK_DAYS = 3;

/**
 * onboarding → adoption → growth, the renewal window, and reactivation: an account that is not
 * at risk now but closed at least REACTIVATION_MIN_AT_RISK_DAYS days at risk within the last
 * REACTIVATION_WINDOW_DAYS. It reads the state's closed-day window, never the previous
 * evaluation, so the stage is a function of the events alone and not of when evaluations ran.
 */
export function stageOf(state: AccountState, signals: Signals, segment: Segment, scorecard: Scorecard): LifecycleStage {
  if (signals.onboarding.inOnboarding) return 'onboarding';
  const renewalDate = state.attributes.renewalDate;
  if (renewalDate) {
    const daysToRenewal = dayOf(renewalDate) - signals.asOfDay;
    if (daysToRenewal >= 0 && daysToRenewal <= 90) return 'renewal';
  }
  if (segment !== 'at_risk' && segment !== 'loyal') {
    const recentAtRisk = (state.atRiskClosedDays ?? []).filter((day) => day < signals.asOfDay && signals.asOfDay - day <= REACTIVATION_WINDOW_DAYS).length;
    if (recentAtRisk >= REACTIVATION_MIN_AT_RISK_DAYS) return 'reactivation';
  }
  const keyFeatures = scorecard.signals.keyFeatures.length;
  const growing = segment === 'loyal' || (keyFeatures > 0 && signals.keyFeaturesUsed30 / keyFeatures >= 0.6);
  return growing ? 'growth' : 'adoption';
}

/** The health a score with no measure that has data reads as (and the neutral value of a measure lacking data in the churn model). */
export const NEUTRAL_HEALTH = 50;

/**
 * Scores the account as of `asOf` (event time), with activity volumes complete through
 * `volumeThroughDay` (default: the day of `asOf`). Pure: same inputs → same result.
 *
 * Health is the weighted mean over the measures that have data; a measure without enough history
 * (see measures.ts) has a driver marked `insufficientData` with contribution 0 (its `score` is its
 * provisional reading). Contributions are score × weight / the weight with data, so they add up
 * to health. When less than `minWeightWithData` of the weight has data, the snapshot is marked
 * `insufficientData`: score-based rules have no opinion on it, its segment reads only event
 * signals, and its churn risk reads the missing measures as neutral. `derived`: the
 * `deriveSignals` of the same state, day and volume day when the caller has them already.
 */
export function evaluateAccount(state: AccountState, asOf: string, scorecard: Scorecard, volumeThroughDay?: number, derived?: Signals): AccountEvaluation {
  const signals = derived ?? deriveSignals(state, dayOf(asOf), scorecard.signals, volumeThroughDay);
  const results = (Object.keys(scorecard.weights) as MeasureId[])
    .filter((id) => scorecard.weights[id] > 0 && measures[id] !== undefined)
    .map((id): [MeasureId, MeasureResult | null] => [id, measures[id](signals, scorecard)])
    .filter((entry): entry is [MeasureId, MeasureResult] => entry[1] !== null);
  // A long-horizon measure without its history (null) is left out with its weight, so a young
  // account scores as it did without it; a measure with insufficient data keeps its driver and
  // counts against the scorecard's coverage (`minWeightWithData`).
  const totalWeight = results.reduce((sum, [id]) => sum + scorecard.weights[id], 0);
  const withData = results.filter(([, result]) => !result.insufficientData);
  const weightWithData = withData.reduce((sum, [id]) => sum + scorecard.weights[id], 0);
  const weightedScores = withData.reduce((sum, [id, result]) => sum + result.score * scorecard.weights[id], 0);
  const drivers: ScoreDriver[] = results.map(([measure, result]) => ({
    measure,
    score: result.score,
    weight: scorecard.weights[measure],
    contribution: result.insufficientData || weightWithData === 0 ? 0 : round1((result.score * scorecard.weights[measure]) / weightWithData),
    ...(result.insufficientData ? { insufficientData: true as const } : {}),
  }));
  const health = weightWithData === 0 ? NEUTRAL_HEALTH : Math.round(weightedScores / weightWithData);
  const insufficientData = totalWeight === 0 || weightWithData / totalWeight < scorecard.minWeightWithData;
  const band = bandOf(health, scorecard.bands);
  const segment = segmentOf(band, signals, scorecard, insufficientData);
  const riskHealth = insufficientData && totalWeight > 0 ? (weightedScores + NEUTRAL_HEALTH * (totalWeight - weightWithData)) / totalWeight : health;
  return {
    snapshot: {
      health,
      band,
      churnRisk: churnRisk(riskHealth, signals, scorecard),
      segment,
      stage: stageOf(state, signals, segment, scorecard),
      ...(insufficientData ? { insufficientData: true as const } : {}),
    },
    drivers,
    explanations: Object.fromEntries(results.map(([id, result]) => [id, result.explanation])),
    signals,
    scorecardVersion: scorecard.version,
  };
}

/**
 * How far usage fell below its own 90-day level, 0–1: 0 at ≥ 90% of the level, 1 at ≤ 40%
 * (the `usage_level` measure's scale, read by the churn model). 0 without the signal.
 */
export function longDeclineOf(signals: { readonly usageLevel?: { readonly ratio: number } | null }): number {
  const ratio = signals.usageLevel?.ratio;
  if (ratio === undefined) return 0;
  return Math.min(1, Math.max(0, (USAGE_LEVEL_FULL - ratio) / (USAGE_LEVEL_FULL - USAGE_LEVEL_NONE)));
}

/**
 * Usage at or below half its own 90-day level (the best week of the last 4 vs the best 4-week
 * level): as steep as `STEEP_DECLINE_TREND`, but against a level a slow slide does not drag down.
 */
export function isLongDecline(signals: Signals): boolean {
  return signals.usageLevel !== undefined && signals.usageLevel !== null && signals.usageLevel.ratio <= STEEP_DECLINE_TREND;
}

/** Last 7 days' activity at or below `STEEP_DECLINE_TREND` of the 4-week baseline. */
export function isSteepDecline(signals: Pick<Signals, 'activityTrend'>): boolean {
  return signals.activityTrend !== null && signals.activityTrend <= STEEP_DECLINE_TREND;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
