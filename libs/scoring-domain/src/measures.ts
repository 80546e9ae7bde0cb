import { isChampionLost } from './long-horizon';
import type { MeasureId, Scorecard } from './scorecard';
import type { Signals } from './signals';
import { isoDay } from './time';

/**
 * A measure's 0–100 score and the sentence that explains it. With `insufficientData` the measure
 * has no opinion yet (too little history to judge): `score` is only its provisional reading, it
 * does not count in health, and its driver says so (see `evaluateAccount`).
 */
export interface MeasureResult {
  readonly score: number;
  readonly explanation: string;
  readonly insufficientData?: true;
}

/**
 * Marks a result as having too little data, and says why in its explanation. Which measures can
 * lack data, and when (`minObservedDays`, default 14, from the scorecard's signal settings):
 * - product_usage, feature_adoption: fewer than `minObservedDays` days of product activity since
 *   the account's first activity (none at all included): a week-old account's breadth and trend
 *   are noise, and an account whose telemetry is not connected has no usage to judge;
 * - support: no ticket in 30 days and fewer than `minObservedDays` days of activity (no tickets
 *   from an account just arrived is not good news yet; a ticket is data at once);
 * - sentiment: no NPS answer yet;
 * - onboarding: in the onboarding period's first `minObservedDays` days (no milestone is due yet);
 * - billing: never (billing trouble arrives as events; its absence is the normal state).
 */
function insufficient(result: MeasureResult, why: string): MeasureResult {
  return { ...result, explanation: `insufficient data (${why}); ${result.explanation}`, insufficientData: true };
}

/** Whether the account has at least `minObservedDays` days of product activity history. */
function hasUsageHistory(signals: Signals, scorecard: Scorecard): boolean {
  return signals.activityDaysObserved !== null && signals.activityDaysObserved >= scorecard.signals.minObservedDays;
}

function usageHistoryText(signals: Signals, scorecard: Scorecard): string {
  return `${signals.activityDaysObserved ?? 0} of ${scorecard.signals.minObservedDays} days of product activity observed`;
}

const clamp = (value: number, low = 0, high = 100): number => Math.min(high, Math.max(low, value));

/**
 * Usage: half breadth (weekly active users vs seats), half trend (last 7 days vs the account's
 * own 4-week baseline). Silence drives both to 0 as the windows pass.
 */
export function productUsage(signals: Signals, scorecard: Scorecard): MeasureResult {
  const seats = signals.seats && signals.seats > 0 ? signals.seats : Math.max(1, signals.activeUsers30);
  const breadth = clamp((signals.activeUsers7 / (seats * scorecard.targetWeeklyActiveShare)) * 100);
  const trend = signals.activityTrend === null ? (signals.eventsLast7 > 0 ? 70 : 0) : clamp(signals.activityTrend * 100);
  const trendText =
    signals.activityTrend === null
      ? `${signals.eventsLast7} events in 7 days (no baseline yet)`
      : `activity ${formatPercentChange(signals.activityTrend)} vs 4-week baseline`;
  const result: MeasureResult = {
    score: Math.round((breadth + trend) / 2),
    explanation: `${signals.activeUsers7} weekly active users of ${signals.seats ?? '?'} seats; ${trendText}`,
  };
  return hasUsageHistory(signals, scorecard) ? result : insufficient(result, usageHistoryText(signals, scorecard));
}

export function featureAdoption(signals: Signals, scorecard: Scorecard): MeasureResult {
  const configured = scorecard.signals.keyFeatures.length;
  const ratio = configured === 0 ? 1 : signals.keyFeaturesUsed30 / configured;
  const result: MeasureResult = { score: Math.round(clamp(ratio * 100)), explanation: `${signals.keyFeaturesUsed30} of ${configured} key features used in 30 days` };
  return hasUsageHistory(signals, scorecard) ? result : insufficient(result, usageHistoryText(signals, scorecard));
}

/**
 * Each ticket in 30 days costs 20 points: five tickets a month is a support crisis. An account
 * with no activity at all files no tickets either; that silence scores neutral, not perfect.
 */
export function support(signals: Signals, scorecard: Scorecard): MeasureResult {
  if (signals.ticketsLast30 === 0 && !hasUsageHistory(signals, scorecard)) {
    return insufficient({ score: 60, explanation: 'no tickets in 30 days' }, usageHistoryText(signals, scorecard));
  }
  if (signals.eventsLast30 === 0 && signals.ticketsLast30 === 0) return { score: 60, explanation: 'no activity and no tickets in 30 days' };
  return { score: clamp(100 - 20 * signals.ticketsLast30), explanation: `${signals.ticketsLast30} support tickets in 30 days` };
}

/** Latest NPS × 10; with no answer yet, no opinion (its provisional reading is a neutral 60). */
export function sentiment(signals: Signals): MeasureResult {
  if (!signals.nps) return insufficient({ score: 60, explanation: 'no NPS response yet' }, 'no NPS answer');
  return {
    score: signals.nps.score * 10,
    explanation: `NPS ${signals.nps.score} (${npsCategory(signals.nps.score)}) on ${isoDay(signals.nps.day)}`,
  };
}

export function billing(signals: Signals): MeasureResult {
  if (signals.billingTrouble.length === 0) return { score: 100, explanation: 'no billing trouble' };
  const penalties: Record<Signals['billingTrouble'][number], number> = { payment_failed: 20, invoice_overdue: 30, downgrade_requested: 40 };
  const score = Math.min(...signals.billingTrouble.map((trouble) => penalties[trouble]));
  return { score, explanation: `billing trouble: ${signals.billingTrouble.join(', ').replace(/_/g, ' ')}` };
}

/** During onboarding: share of required milestones done; afterwards the account counts as onboarded. */
export function onboarding(signals: Signals, scorecard: Scorecard): MeasureResult {
  if (!signals.onboarding.inOnboarding) return { score: 100, explanation: 'onboarded' };
  const { completed, required } = signals.onboarding;
  const result: MeasureResult = { score: required === 0 ? 100 : Math.round((completed / required) * 100), explanation: `${completed} of ${required} onboarding milestones done` };
  const days = signals.daysSinceStart;
  const minDays = scorecard.signals.minObservedDays;
  return days !== null && days >= minDays ? result : insufficient(result, `day ${days ?? 0} of onboarding, judged from day ${minDays}`);
}

/** Usage level ratio at or above which `usage_level` scores 100, and at or below which it scores 0. */
export const USAGE_LEVEL_FULL = 0.9;
export const USAGE_LEVEL_NONE = 0.4;

/**
 * Usage against the account's own 90-day level: the best week of the last 4 vs the best 4-week
 * level of the last 90 days (see `usageLevelOf`). 100 at ≥ 90% of the level, 0 at ≤ 40%, linear
 * between. No opinion (null) with less than 6 weeks of history or no activity in 90 days.
 */
export function usageLevel(signals: Signals): MeasureResult | null {
  const level = signals.usageLevel;
  if (!level) return null;
  const score = Math.round(clamp(((level.ratio - USAGE_LEVEL_NONE) / (USAGE_LEVEL_FULL - USAGE_LEVEL_NONE)) * 100));
  return { score, explanation: `usage is ${Math.round(level.ratio * 100)}% of its 90-day level (${formatRate(level.current)} vs ${formatRate(level.reference)} events/week)` };
}

/**
 * The account's most active user of the last 90 days, and the owners of its key features: 100
 * while they are around (or their leaving left usage where it was); a lost champion scores
 * 100 − 150 × their share (a 38% user gone: 43; a 67% user: 0), and each key feature whose owner
 * is gone and whose use fell costs 30 (at most down to 40 for those alone). No opinion (null)
 * without 6 weeks of per-user history or a known user.
 */
export function champion(signals: Signals): MeasureResult | null {
  const top = signals.champion;
  const owners = signals.keyFeatureOwnersLost ?? [];
  if (!top && owners.length === 0) return null;
  const parts: string[] = [];
  let score = 100;
  if (top) {
    const who = `top user ${top.userId} (${Math.round(top.share * 100)}% of activity)`;
    if (top.daysSinceSeen < 14) parts.push(`${who} active ${top.daysSinceSeen === 0 ? 'today' : `${top.daysSinceSeen} days ago`}`);
    else {
      const since = top.weeklySince !== null && top.weeklyBefore > 0 ? `; account activity ${formatPercentChange(top.weeklySince / top.weeklyBefore)} since (${formatRate(top.weeklySince)} vs ${formatRate(top.weeklyBefore)} events/week)` : '';
      const text = `${who} not seen for ${top.daysSinceSeen} days${since}`;
      if (isChampionLost(top)) {
        score = Math.round(clamp(100 - 150 * top.share));
        parts.push(text);
      } else parts.push(top.othersActive14 === 0 ? `${text}; nobody else active either` : `${text}; usage held up or the share is small`);
    }
  }
  for (const loss of owners) {
    parts.push(
      `key feature ${loss.feature}: its top user ${loss.userId} (${Math.round(loss.share * 100)}% of its use) not seen for ${loss.daysSinceSeen} days; ` +
        `its use ${formatPercentChange(loss.weeklyUsesBefore > 0 ? loss.weeklyUsesSince / loss.weeklyUsesBefore : 0)} since`,
    );
  }
  if (owners.length > 0) score = Math.min(score, Math.max(40, 100 - 30 * owners.length));
  return { score, explanation: parts.join('; ') };
}

/**
 * The measures by id. A measure without an opinion (null: not enough history for it) is left out
 * of the health score, and its weight out of the total.
 */
export const measures: Readonly<Record<MeasureId, (signals: Signals, scorecard: Scorecard) => MeasureResult | null>> = {
  product_usage: productUsage,
  feature_adoption: featureAdoption,
  support,
  sentiment,
  billing,
  onboarding,
  usage_level: usageLevel,
  champion,
};

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export function npsCategory(score: number): NpsCategory {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

/** Events per week for people: whole numbers from 10 up, one decimal below. */
function formatRate(perWeek: number): string {
  return perWeek >= 10 ? String(Math.round(perWeek)) : String(Math.round(perWeek * 10) / 10);
}

function formatPercentChange(ratio: number): string {
  const percent = Math.round((ratio - 1) * 100);
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent)}%`;
}
