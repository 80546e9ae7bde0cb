import { ownValue, type AccountSignals, type UsageSignal } from '@bellwether/contracts';
import { periodOf, PERIOD_DAYS, seatsReducedDay, upgradedView, type AccountState } from './account-state';
import { sumDays, sumDayWindows, type DayWindow } from './day-counters';
import { npsCategory } from './measures';
import type { Scorecard } from './scorecard';
import { deriveSignals, type Signals } from './signals';
import { dayOf, isoDay } from './time';

/** Window of `gatedAttempts14` (days, today included). */
export const GATED_WINDOW_DAYS = 14;
/** Window of `pricingViews7` (days, today included). */
export const PRICING_WINDOW_DAYS = 7;
const MAX_GATED_FEATURE_NAMES = 10;
const MAX_USAGE_SIGNALS = 50;
const MAX_CONTRACTED_FEATURES = 200;

/**
 * The signals published with a score change (`ScoreChanged.signals`), as of `asOf` (event time).
 * Every window ends on the day of `asOf`, inclusive: "last 7" is that day and the 6 before it;
 * "previous 30" is days 31–60 back; activity volumes end at `volumeThroughDay` (see
 * `deriveSignals`). Reads states stored by older versions as if their missing
 * fields were empty (see `upgradeState`); pure, and does not change `state`. `derived`: the
 * `deriveSignals` of the same state, day and volume day when the caller has them already.
 */
export function deriveAccountSignals(state: AccountState, asOf: string, scorecard: Scorecard, volumeThroughDay?: number, derived?: Signals): AccountSignals {
  const view = upgradedView(state);
  const day = dayOf(asOf);
  const base = derived ?? deriveSignals(view, day, scorecard.signals, volumeThroughDay);
  // One pass per counter for all of its windows (see `sumDayWindows`).
  const last = (days: number): DayWindow => ({ from: day - days + 1, to: day });
  const previous30: DayWindow = { from: day - 59, to: day - 30 };
  const [tickets7 = 0, ticketsBaselineEvents = 0] = sumDayWindows(view.ticketsByDay, [last(7), baselineWindow(day)]);
  const [emailOpens30 = 0, emailOpensPrevious30 = 0] = sumDayWindows(view.emailOpensByDay, [last(30), previous30]);
  const [eventsAttended30 = 0, eventsAttendedPrevious30 = 0] = sumDayWindows(view.eventsAttendedByDay, [last(30), previous30]);
  const period = periodOf(day);
  const contractStartDay = view.attributes.contractStart ? dayOf(view.attributes.contractStart) : view.firstEventDay;
  // A renewal date is free text from the CRM: one outside years 0000–9999 is treated as unknown.
  const renewalDay = view.attributes.renewalDate && isCalendarDay(isoDay(dayOf(view.attributes.renewalDate))) ? dayOf(view.attributes.renewalDate) : null;
  const mrr = view.attributes.mrr ?? null;
  // A seat cut within the last 30 days: users active only before it may be the ones who left.
  const reducedDay = seatsReducedDay(view, day);
  const recentCut = reducedDay !== null && reducedDay > day - 30 ? reducedDay : null;

  return {
    activity: { last7: base.eventsLast7, last30: base.eventsLast30, weeklyBaseline: base.weeklyBaseline, trend: base.activityTrend },
    activeUsers: {
      last7: base.activeUsers7,
      last30: base.activeUsers30,
      thisPeriod: usersInPeriod(view.userPeriods, period),
      previousPeriod: usersInPeriod(view.userPeriods, period - 1),
      periodStart: isoDay(period * PERIOD_DAYS),
      seats: base.seats,
      seatsReducedAt: recentCut === null ? null : isoDay(recentCut),
      sinceSeatsReduced: recentCut === null ? null : Object.values(view.userLastSeen).filter((seen) => seen > recentCut && seen <= day).length,
    },
    features: {
      keyUsed30: base.keyFeaturesUsed30,
      keyConfigured: scorecard.signals.keyFeatures.length,
      contracted: scorecard.signals.keyFeatures
        .filter((feature) => {
          const lastUsed = ownValue(view.featureLastUsed, feature);
          return lastUsed !== undefined && lastUsed >= day - 59 && lastUsed <= day - 30;
        })
        .slice(0, MAX_CONTRACTED_FEATURES),
    },
    usage: usageSignals(view, day),
    gatedAttempts14: sumDays(view.gatedByDay, day - GATED_WINDOW_DAYS + 1, day),
    gatedFeatures14: Object.entries(view.gatedFeatureLastTried)
      .filter(([, tried]) => tried > day - GATED_WINDOW_DAYS && tried <= day)
      .sort(([a, dayA], [b, dayB]) => dayB - dayA || a.localeCompare(b))
      .slice(0, MAX_GATED_FEATURE_NAMES)
      .map(([feature]) => feature),
    pricingViews7: sumDays(view.pricingViewsByDay, day - PRICING_WINDOW_DAYS + 1, day),
    support: {
      tickets7,
      tickets30: base.ticketsLast30,
      weeklyBaseline: weeklyBaseline(ticketsBaselineEvents, view.firstEventDay, day),
      topTopic: topTopic(view.ticketTopics, day),
      escalations30: sumDays(view.escalationsByDay, day - 29, day),
      lastEscalationAt: lastDayWith(view.escalationsByDay, day),
    },
    nps: base.nps
      ? {
          score: base.nps.score,
          category: npsCategory(base.nps.score),
          at: view.nps?.at ?? `${isoDay(base.nps.day)}T00:00:00.000Z`,
          ...(view.nps?.comment ? { comment: view.nps.comment } : {}),
        }
      : null,
    billing: {
      trouble: base.billingTrouble,
      paymentFailedAt: dayUpTo(view.billing.paymentFailedDay, day),
      invoiceOverdueAt: dayUpTo(view.billing.invoiceOverdueDay, day),
      downgradeRequestedAt: dayUpTo(view.billing.downgradeRequestedDay, day),
    },
    engagement: {
      emailOpens30,
      emailOpensPrevious30,
      eventsAttended30,
      eventsAttendedPrevious30,
      communityPosts30: sumDays(view.communityPostsByDay, day - 29, day),
    },
    onboarding: {
      ...base.onboarding,
      daysSinceLastMilestone: daysSince(view.lastMilestoneDay ?? (view.milestones.length > 0 ? view.signalsTrackedSinceDay : null), day),
      daysSinceStart: contractStartDay === null ? null : day - contractStartDay,
    },
    csm: {
      daysSinceTouchpoint: daysSince(view.lastTouchpointDay ?? view.signalsTrackedSinceDay, day),
      lastTouchpointAt: dayUpTo(view.lastTouchpointDay, day),
      daysObserved: daysSince(view.firstEventDay, day),
    },
    contract: {
      renewalDate: renewalDay === null ? null : isoDay(renewalDay),
      renewalInDays: renewalDay === null ? null : renewalDay - day,
      mrr,
      arrUsd: mrr === null || !Number.isFinite(mrr * 12) ? null : mrr * 12,
      seats: view.attributes.seats ?? null,
      plan: view.attributes.plan ?? null,
    },
    usageLevel: base.usageLevel ? { current: base.usageLevel.current, reference: round2(base.usageLevel.reference), ratio: round3(base.usageLevel.ratio) } : null,
    champion: base.champion
      ? {
          userId: base.champion.userId,
          share: round3(base.champion.share),
          events: base.champion.events,
          lastSeenAt: isoDay(base.champion.lastSeenDay),
          daysSinceSeen: base.champion.daysSinceSeen,
          othersActive14: base.champion.othersActive14,
          weeklyBefore: round2(base.champion.weeklyBefore),
          weeklySince: base.champion.weeklySince === null ? null : round2(base.champion.weeklySince),
        }
      : null,
    keyFeatureOwnersLost: base.keyFeatureOwnersLost
      ? base.keyFeatureOwnersLost.map((loss) => ({
          feature: loss.feature,
          userId: loss.userId,
          share: round3(loss.share),
          lastSeenAt: isoDay(loss.lastSeenDay),
          daysSinceSeen: loss.daysSinceSeen,
          weeklyUsesBefore: round2(loss.weeklyUsesBefore),
          weeklyUsesSince: round2(loss.weeklyUsesSince),
        }))
      : null,
  };
}

/** Latest report per metric that has a limit (its own, else the plan's), highest ratio first. */
function usageSignals(state: AccountState, day: number): UsageSignal[] {
  const planLimits = state.attributes.limits ?? {};
  const signals: UsageSignal[] = [];
  for (const [metric, report] of Object.entries(state.usageLatest)) {
    const limit = report.limit ?? ownValue(planLimits, metric);
    if (report.day > day || limit === undefined || !(limit > 0)) continue;
    const ratio = report.value / limit;
    if (Number.isFinite(ratio)) signals.push({ metric, value: report.value, limit, ratio, at: isoDay(report.day) });
  }
  return signals.sort((a, b) => b.ratio - a.ratio || a.metric.localeCompare(b.metric)).slice(0, MAX_USAGE_SIGNALS);
}

/** The days a weekly baseline sums as of `day`: the 28 before the last 7 (as for activity). */
function baselineWindow(day: number): DayWindow {
  return { from: day - 34, to: day - 7 };
}

/** Per week over the baseline window (`baselineEvents`: its sum); null with < 14 days of history. */
function weeklyBaseline(baselineEvents: number, firstEventDay: number | null, day: number): number | null {
  const baselineDays = firstEventDay === null ? 0 : Math.min(28, day - 7 - firstEventDay + 1);
  return baselineDays >= 14 ? (baselineEvents / baselineDays) * 7 : null;
}

/** The topic with most tickets in the last 30 days; ties go to the most recent, then the name. */
function topTopic(topics: Record<string, number[]>, day: number): { topic: string; count30: number } | null {
  let best: { topic: string; count30: number; lastDay: number } | null = null;
  for (const [topic, days] of Object.entries(topics)) {
    const inWindow = days.filter((ticketDay) => ticketDay > day - 30 && ticketDay <= day);
    const lastDay = inWindow[inWindow.length - 1];
    if (lastDay === undefined) continue;
    const candidate = { topic, count30: inWindow.length, lastDay };
    if (
      best === null ||
      candidate.count30 > best.count30 ||
      (candidate.count30 === best.count30 && (candidate.lastDay > best.lastDay || (candidate.lastDay === best.lastDay && topic < best.topic)))
    ) {
      best = candidate;
    }
  }
  return best && { topic: best.topic, count30: best.count30 };
}

function usersInPeriod(userPeriods: Record<string, number[]>, period: number): number {
  let count = 0;
  for (const periods of Object.values(userPeriods)) if (periods.includes(period)) count += 1;
  return count;
}

function lastDayWith(counters: Record<string, number>, day: number): string | null {
  let latest: number | null = null;
  for (const [key, count] of Object.entries(counters)) {
    const counterDay = Number(key);
    if (count > 0 && counterDay <= day && (latest === null || counterDay > latest)) latest = counterDay;
  }
  return latest === null ? null : isoDay(latest);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function isCalendarDay(text: string): boolean {
  return /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text);
}

function dayUpTo(eventDay: number | null, day: number): string | null {
  return eventDay === null || eventDay > day ? null : isoDay(eventDay);
}

function daysSince(eventDay: number | null, day: number): number | null {
  return eventDay === null ? null : Math.max(0, day - eventDay);
}
