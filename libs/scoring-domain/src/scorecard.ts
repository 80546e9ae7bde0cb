import type { LearnedChurnModel } from './churn-model';
import { defaultSignalSettings, type SignalSettings } from './signal-settings';

export type MeasureId = 'product_usage' | 'feature_adoption' | 'support' | 'sentiment' | 'billing' | 'onboarding' | 'usage_level' | 'champion';

/** A configurable, versioned scorecard: which measures count and how much. */
export interface Scorecard {
  readonly version: string;
  readonly weights: Readonly<Record<MeasureId, number>>;
  readonly bands: { readonly green: number; readonly yellow: number };
  readonly signals: SignalSettings;
  /** Share of seats active in 7 days that scores 100 on usage breadth. */
  readonly targetWeeklyActiveShare: number;
  /** Logistic churn model: p = 1 / (1 + e^-(intercept + Σ coefficient × feature)). */
  readonly churnModel: ChurnModel;
  /**
   * A churn model learned from outcomes (issue 18, section 3). It replaces `churnModel` only when
   * it was trained on at least `minChurnOutcomesPerClass` churned and as many retained examples
   * (`activeChurnModel`); absent or null: the documented default scores churn risk.
   */
  readonly learnedChurnModel?: LearnedChurnModel | null;
  /** Examples per class a learned model needs (default `DEFAULT_MIN_CHURN_OUTCOMES_PER_CLASS`, 30). */
  readonly minChurnOutcomesPerClass?: number;
  /** A change smaller than this in health (points) and churn risk is not published. */
  readonly materialChange: { readonly healthPoints: number; readonly churnRisk: number };
  /**
   * Share (0–1) of the scorecard's weight whose measures must have data for the score to be an
   * opinion; below it the snapshot is marked `insufficientData` and score-based rules ignore it.
   */
  readonly minWeightWithData: number;
}

export interface ChurnModel {
  readonly intercept: number;
  /** Per 10 health points above 50 (negative: healthier, less risk). */
  readonly healthPer10: number;
  readonly billingTrouble: number;
  readonly detractor: number;
  readonly steepDecline: number;
  /**
   * Per unit of long-horizon decline: 0 with usage at ≥ 90% of its 90-day level, 1 at ≤ 40%,
   * linear between (see `longDeclineOf`).
   */
  readonly longDecline: number;
  /** When the account's top user is gone and its activity fell (`isChampionLost`), or a key feature's owner is (`keyFeatureOwnersLostOf`). */
  readonly championLost: number;
}

/**
 * product.md's default groups: usage 30, adoption 20, support 15, sentiment 15, billing 10,
 * onboarding 10; and the long-horizon usage measures (usage level 15, champion 10), which count
 * only once the account has the history they need (6 weeks): before, they have no opinion and
 * their weight is left out, so a young account scores as it did without them.
 */
export const defaultScorecard: Scorecard = {
  version: 'default-2026.2',
  weights: { product_usage: 30, feature_adoption: 20, support: 15, sentiment: 15, billing: 10, onboarding: 10, usage_level: 15, champion: 10 },
  bands: { green: 70, yellow: 40 },
  signals: defaultSignalSettings,
  targetWeeklyActiveShare: 0.6,
  churnModel: { intercept: -1.0, healthPer10: -0.9, billingTrouble: 1.2, detractor: 0.8, steepDecline: 1.0, longDecline: 3.0, championLost: 1.0 },
  materialChange: { healthPoints: 1, churnRisk: 0.02 },
  minWeightWithData: 0.5,
};
