import { ownValue } from '@bellwether/contracts';
import type { AccountState } from './account-state';
import { sumDayWindows } from './day-counters';
import { weekOf } from './time';

/**
 * Long-horizon signals (issue 15, item 5): usage against the account's own 90-day level, and the
 * loss of its most active user. The 4-week baseline of `deriveSignals` follows a slow decline down
 * (a 1%/day slide never looks like more than −25% against it), so these compare with a reference
 * that does not: the best 4-week level of the last 90 days. Pure functions of the state and the
 * day; they read only day counters and weekly per-user counts the state keeps for its 90-day
 * horizon (`STATE_HORIZON_DAYS`), so they are bounded and event-time deterministic.
 */

/** The reference level is the best of the 28-day windows inside this many days (the state horizon). */
export const USAGE_LEVEL_REFERENCE_DAYS = 90;
/** The current level is the best 7-day window inside this many days: absences up to 3 weeks do not count. */
export const USAGE_LEVEL_RECENT_DAYS = 28;
/** History (days since the first event) below which both long-horizon signals have no opinion. */
export const LONG_HORIZON_MIN_HISTORY_DAYS = 42;
/** Weeks of per-user activity the champion is chosen over (13 weeks ≈ the 90-day horizon). */
export const CHAMPION_WINDOW_WEEKS = 13;
/** "Others still active": other users seen within this many days. */
export const CHAMPION_OTHERS_WINDOW_DAYS = 14;
/** The account's weekly activity since the champion left is reported once they have been away this long. */
export const CHAMPION_MIN_DAYS_FOR_SINCE = 7;

/** Usage now against the account's own 90-day level. Counts are activity events per week. */
export interface UsageLevel {
  /** The best 7-day window of the last 28 days (events): the level the account still reaches. */
  readonly current: number;
  /** The best 28-day window of the last 90 days, per week: the level it used to hold. */
  readonly reference: number;
  /** current / reference (≤ 1 unless the account grew). */
  readonly ratio: number;
}

/** The account's most active user over the last ~90 days, and whether they are still around. */
export interface Champion {
  readonly userId: string;
  /** Their share of the account's activity events over the window (0–1). */
  readonly share: number;
  /** Their activity events over the window (13 weeks, the current one included). */
  readonly events: number;
  readonly lastSeenDay: number;
  readonly daysSinceSeen: number;
  /** Other users seen in the last 14 days. */
  readonly othersActive14: number;
  /** The account's events per week in the 28 days up to the champion's last day. */
  readonly weeklyBefore: number;
  /** The account's events per week since the champion's last day; null until 7 days passed. */
  readonly weeklySince: number | null;
}

/**
 * The usage level as of a day whose activity is complete through `volumeDay`: null while the
 * account has less than `LONG_HORIZON_MIN_HISTORY_DAYS` of history or no activity in 90 days.
 * `sinceDay` (a seat cut, a return after a churn) restarts the history: the reference is taken
 * from that day on only, and needs the same history after it.
 */
export function usageLevelOf(state: AccountState, volumeDay: number, sinceDay: number | null = null): UsageLevel | null {
  if (state.firstEventDay === null) return null;
  const historyStart = sinceDay === null ? state.firstEventDay : Math.max(state.firstEventDay, sinceDay);
  if (volumeDay - historyStart + 1 < LONG_HORIZON_MIN_HISTORY_DAYS) return null;
  const firstDay = Math.max(volumeDay - USAGE_LEVEL_REFERENCE_DAYS + 1, historyStart);
  const daily: number[] = [];
  for (let day = firstDay; day <= volumeDay; day += 1) daily.push(state.activityByDay[day] ?? 0);
  const best = (width: number, fromIndex: number): number => {
    let sum = 0;
    let max = 0;
    for (let index = fromIndex; index < daily.length; index += 1) {
      sum += daily[index] ?? 0;
      if (index - fromIndex >= width) sum -= daily[index - width] ?? 0;
      if (index - fromIndex >= width - 1) max = Math.max(max, sum);
    }
    return max;
  };
  const reference = best(28, 0) / 4;
  if (reference <= 0) return null;
  const current = best(7, daily.length - USAGE_LEVEL_RECENT_DAYS);
  return { current, reference, ratio: current / reference };
}

/**
 * The champion as of `asOfDay` (activity complete through `volumeDay`): the tracked user with the
 * most activity events over the last `CHAMPION_WINDOW_WEEKS` weeks (ties: seen later, then id).
 * Null while the per-user counts cover less than `LONG_HORIZON_MIN_HISTORY_DAYS` or nobody is known.
 */
export function championOf(state: AccountState, asOfDay: number, volumeDay: number): Champion | null {
  const trackedSince = Math.max(state.firstEventDay ?? Number.POSITIVE_INFINITY, state.userActivityTrackedSinceDay ?? Number.NEGATIVE_INFINITY);
  if (!Number.isFinite(trackedSince) || volumeDay - trackedSince + 1 < LONG_HORIZON_MIN_HISTORY_DAYS) return null;
  const lastWeek = weekOf(asOfDay);
  const firstWeek = lastWeek - CHAMPION_WINDOW_WEEKS + 1;
  let best: { userId: string; events: number; lastSeenDay: number } | null = null;
  for (const [userId, weeks] of Object.entries(state.userWeeklyActivity ?? {})) {
    let events = 0;
    for (const [week, count] of Object.entries(weeks)) if (Number(week) >= firstWeek && Number(week) <= lastWeek) events += count;
    const lastSeenDay = ownValue(state.userLastSeen, userId);
    if (events === 0 || lastSeenDay === undefined || lastSeenDay > asOfDay) continue;
    if (best === null || events > best.events || (events === best.events && (lastSeenDay > best.lastSeenDay || (lastSeenDay === best.lastSeenDay && userId < best.userId)))) {
      best = { userId, events, lastSeenDay };
    }
  }
  if (best === null) return null;
  const [accountEvents = 0, eventsBefore = 0, eventsSince = 0] = sumDayWindows(state.activityByDay, [
    { from: firstWeek * 7, to: asOfDay },
    { from: best.lastSeenDay - 27, to: best.lastSeenDay },
    { from: best.lastSeenDay + 1, to: volumeDay },
  ]);
  const daysSinceSeen = asOfDay - best.lastSeenDay;
  let othersActive14 = 0;
  for (const [userId, seen] of Object.entries(state.userLastSeen)) {
    if (userId !== best.userId && seen > volumeDay - CHAMPION_OTHERS_WINDOW_DAYS && seen <= asOfDay) othersActive14 += 1;
  }
  const daysSince = volumeDay - best.lastSeenDay;
  return {
    userId: best.userId,
    share: Math.min(1, best.events / Math.max(accountEvents, best.events)),
    events: best.events,
    lastSeenDay: best.lastSeenDay,
    daysSinceSeen,
    othersActive14,
    weeklyBefore: (eventsBefore / 28) * 7,
    weeklySince: daysSince >= CHAMPION_MIN_DAYS_FOR_SINCE ? (eventsSince / daysSince) * 7 : null,
  };
}

/** A key feature whose top user is gone and whose use fell since. Counts are uses per week. */
export interface KeyFeatureOwnerLoss {
  readonly feature: string;
  readonly userId: string;
  /** Their share of the feature's uses over the last 13 weeks (0–1). */
  readonly share: number;
  readonly lastSeenDay: number;
  readonly daysSinceSeen: number;
  /** The feature's uses per week in the 4 weeks up to the owner's last week. */
  readonly weeklyUsesBefore: number;
  /** Its uses per week in the complete weeks since. */
  readonly weeklyUsesSince: number;
}

/** An owner: at least this share of the feature's uses. */
export const KEY_FEATURE_OWNER_MIN_SHARE = 0.5;
/** Gone: not seen for this many days… */
export const KEY_FEATURE_OWNER_MIN_DAYS_UNSEEN = 14;
/** …and the feature's weekly use since is at most this share of before. */
export const KEY_FEATURE_OWNER_MAX_USE_KEPT = 0.5;
const MAX_OWNERS_LOST = 10;

/**
 * Key features whose owner is gone: the user with most uses of the feature over the last 13
 * weeks (≥ 50% of them) has not been seen for ≥ 14 days, and the feature's weekly uses in the
 * complete weeks since their last week are ≤ 50% of the 4 weeks before. Highest share first, ≤ 10.
 * Null while the per-user counts cover less than `LONG_HORIZON_MIN_HISTORY_DAYS`.
 */
export function keyFeatureOwnersLostOf(state: AccountState, keyFeatures: readonly string[], asOfDay: number, volumeDay: number): KeyFeatureOwnerLoss[] | null {
  const trackedSince = Math.max(state.firstEventDay ?? Number.POSITIVE_INFINITY, state.userActivityTrackedSinceDay ?? Number.NEGATIVE_INFINITY);
  if (!Number.isFinite(trackedSince) || volumeDay - trackedSince + 1 < LONG_HORIZON_MIN_HISTORY_DAYS) return null;
  const lastWeek = weekOf(asOfDay);
  const firstWeek = lastWeek - CHAMPION_WINDOW_WEEKS + 1;
  const lastCompleteWeek = weekOf(volumeDay + 1) - 1;
  const losses: KeyFeatureOwnerLoss[] = [];
  for (const feature of keyFeatures) {
    const users = ownValue(state.keyFeatureUsers ?? {}, feature);
    if (!users) continue;
    const byWeek = new Map<number, number>();
    let total = 0;
    let owner: { userId: string; uses: number; lastSeenDay: number } | null = null;
    for (const [userId, weeks] of Object.entries(users)) {
      let uses = 0;
      for (const [key, count] of Object.entries(weeks)) {
        const week = Number(key);
        byWeek.set(week, (byWeek.get(week) ?? 0) + count);
        if (week >= firstWeek && week <= lastWeek) uses += count;
      }
      total += uses;
      const lastSeenDay = ownValue(state.userLastSeen, userId);
      if (uses === 0 || lastSeenDay === undefined || lastSeenDay > asOfDay) continue;
      if (owner === null || uses > owner.uses || (uses === owner.uses && (lastSeenDay > owner.lastSeenDay || (lastSeenDay === owner.lastSeenDay && userId < owner.userId)))) {
        owner = { userId, uses, lastSeenDay };
      }
    }
    if (owner === null || total === 0) continue;
    const share = owner.uses / total;
    const daysSinceSeen = asOfDay - owner.lastSeenDay;
    const ownerWeek = weekOf(owner.lastSeenDay);
    const weeksSince = lastCompleteWeek - ownerWeek;
    if (share < KEY_FEATURE_OWNER_MIN_SHARE || daysSinceSeen < KEY_FEATURE_OWNER_MIN_DAYS_UNSEEN || weeksSince < 1) continue;
    const usesIn = (from: number, to: number): number => {
      let sum = 0;
      for (let week = from; week <= to; week += 1) sum += byWeek.get(week) ?? 0;
      return sum;
    };
    const weeklyUsesBefore = usesIn(ownerWeek - 3, ownerWeek) / 4;
    const weeklyUsesSince = usesIn(ownerWeek + 1, lastCompleteWeek) / weeksSince;
    if (weeklyUsesBefore <= 0 || weeklyUsesSince > KEY_FEATURE_OWNER_MAX_USE_KEPT * weeklyUsesBefore + 1e-9) continue;
    losses.push({ feature, userId: owner.userId, share, lastSeenDay: owner.lastSeenDay, daysSinceSeen, weeklyUsesBefore, weeklyUsesSince });
  }
  return losses.sort((a, b) => b.share - a.share || a.feature.localeCompare(b.feature)).slice(0, MAX_OWNERS_LOST);
}

/** A champion is lost when their share, absence, others' presence and the account's fall all say so. */
export interface ChampionLossCriteria {
  /** Least share of the account's activity (0–1). */
  readonly minShare: number;
  readonly minDaysUnseen: number;
  /** Most the account's weekly activity since may keep of its level before (0–1): a handover that held usage up is no loss. */
  readonly maxActivityKept: number;
}

/** The measure's and the churn model's reading of a lost champion (the rule has its own params). */
export const defaultChampionLoss: ChampionLossCriteria = { minShare: 0.2, minDaysUnseen: 14, maxActivityKept: 0.9 };

export function isChampionLost(champion: Pick<Champion, 'share' | 'daysSinceSeen' | 'othersActive14' | 'weeklyBefore' | 'weeklySince'> | null | undefined, criteria: ChampionLossCriteria = defaultChampionLoss): boolean {
  if (!champion || champion.share < criteria.minShare - 1e-9 || champion.daysSinceSeen < criteria.minDaysUnseen || champion.othersActive14 === 0) return false;
  if (champion.weeklySince === null || champion.weeklyBefore <= 0) return false;
  return champion.weeklySince / champion.weeklyBefore <= criteria.maxActivityKept + 1e-9;
}
