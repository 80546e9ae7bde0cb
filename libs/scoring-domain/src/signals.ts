import { hasChurnedBy, returnedDay, seatsReducedDay, type AccountState } from './account-state';
import { sumDays, sumDayWindows } from './day-counters';
import { championOf, keyFeatureOwnersLostOf, usageLevelOf, type Champion, type KeyFeatureOwnerLoss, type UsageLevel } from './long-horizon';
import type { SignalSettings } from './signal-settings';
import { dayOf } from './time';

/** The leading indicators of product.md, derived from the state as of a day. */
export interface Signals {
  readonly asOfDay: number;
  readonly eventsLast7: number;
  readonly eventsLast30: number;
  /** Average weekly events over the 28 days before the last 7 (the account's own baseline). */
  readonly weeklyBaseline: number | null;
  /** eventsLast7 / weeklyBaseline; null while there is no baseline. */
  readonly activityTrend: number | null;
  readonly activeUsers7: number;
  readonly activeUsers30: number;
  readonly seats: number | null;
  readonly keyFeaturesUsed30: number;
  readonly ticketsLast30: number;
  readonly nps: { readonly score: number; readonly day: number } | null;
  readonly billingTrouble: readonly ('payment_failed' | 'invoice_overdue' | 'downgrade_requested')[];
  readonly onboarding: { readonly inOnboarding: boolean; readonly completed: number; readonly required: number };
  readonly daysSinceLastEvent: number | null;
  /**
   * Days of product-activity history through the last complete day (from the first activity,
   * inclusive), or null before any activity. Measures that read usage need `minObservedDays`.
   */
  readonly activityDaysObserved: number | null;
  /** Days since the contract start (or the first event when no start is known); null when neither is known. */
  readonly daysSinceStart: number | null;
  /** Usage now against the account's own 90-day level (see `usageLevelOf`); null or absent: no opinion. */
  readonly usageLevel?: UsageLevel | null;
  /** The account's most active user of the last 90 days (see `championOf`); null or absent: no opinion. */
  readonly champion?: Champion | null;
  /** Key features whose owner is gone and whose use fell (see `keyFeatureOwnersLostOf`); null or absent: no opinion. */
  readonly keyFeatureOwnersLost?: readonly KeyFeatureOwnerLoss[] | null;
}

/**
 * The signals as of a day. `volumeThroughDay` (default `asOfDay`) is the last day whose activity
 * is complete: event counts (last 7, last 30) and the baseline end there, and users and key
 * features count as active when seen in the window ending there or at any time since. Between
 * day closes it is the account's last closed day, so an evaluation during a day never compares a
 * partial day with full ones, nor drops a user whose latest day is still in flight (see
 * `applyAccountEvents`).
 */
export function deriveSignals(state: AccountState, asOfDay: number, settings: SignalSettings, volumeThroughDay: number = asOfDay): Signals {
  const volumeDay = Math.min(volumeThroughDay, asOfDay);
  const [eventsLast7 = 0, baselineEvents = 0, eventsLast30 = 0] = sumDayWindows(state.activityByDay, [
    { from: volumeDay - 6, to: volumeDay },
    { from: volumeDay - 34, to: volumeDay - 7 },
    { from: volumeDay - 29, to: volumeDay },
  ]);
  const baselineDays = state.firstEventDay === null ? 0 : Math.min(28, volumeDay - 7 - state.firstEventDay + 1);
  // A baseline needs two weeks of history, or it would call every new account "declining".
  const weeklyBaseline = baselineDays >= 14 ? (baselineEvents / baselineDays) * 7 : null;
  // No activity before and none now is not "steady": it is a dead account, trend 0.
  const activityTrend = weeklyBaseline === null ? null : weeklyBaseline === 0 ? (eventsLast7 > 0 ? 2 : 0) : eventsLast7 / weeklyBaseline;
  const keyFeatures = new Set(settings.keyFeatures);
  const keyFeaturesUsed30 = Object.entries(state.featureLastUsed).filter(
    ([feature, day]) => keyFeatures.has(feature) && day > volumeDay - 30 && day <= asOfDay,
  ).length;
  const contractStartDay = state.attributes.contractStart ? dayOf(state.attributes.contractStart) : state.firstEventDay;
  // A churned account, and one that came back after a churn, is a returning customer: its new
  // subscription does not start onboarding again.
  const inOnboarding = contractStartDay !== null && asOfDay - contractStartDay < settings.onboardingDays && !hasChurnedBy(state, asOfDay);
  // A state stored before the field was kept counts its history from its first event (as `upgradeState` does).
  const storedFirstActivityDay = state.firstActivityDay !== undefined ? state.firstActivityDay : state.firstEventDay;
  // A returning customer's usage history restarts on its return (see `returnedDay`).
  const returned = returnedDay(state, asOfDay);
  const firstActivityDay = storedFirstActivityDay === null || returned === null ? storedFirstActivityDay : Math.max(storedFirstActivityDay, returned);
  // The long-horizon level restarts there too, and at a seat cut: fewer seats, fewer users, less
  // use is the customer's new size, not a decline.
  const levelSinceDay = latestDay(returned, seatsReducedDay(state, asOfDay));
  const completed = settings.requiredMilestones.filter((milestone) => state.milestones.includes(milestone)).length;
  return {
    asOfDay,
    eventsLast7,
    eventsLast30,
    weeklyBaseline,
    activityTrend,
    activeUsers7: countSince(state.userLastSeen, volumeDay - 6, asOfDay),
    activeUsers30: countSince(state.userLastSeen, volumeDay - 29, asOfDay),
    seats: state.attributes.seats ?? null,
    keyFeaturesUsed30,
    ticketsLast30: sumDays(state.ticketsByDay, asOfDay - 29, asOfDay),
    nps: state.nps && state.nps.day <= asOfDay ? state.nps : null,
    billingTrouble: billingTrouble(state, asOfDay, settings.billingMemoryDays),
    onboarding: { inOnboarding: inOnboarding && completed < settings.requiredMilestones.length, completed, required: settings.requiredMilestones.length },
    daysSinceLastEvent: state.lastEventDay === null ? null : Math.max(0, asOfDay - state.lastEventDay),
    activityDaysObserved: firstActivityDay === null || firstActivityDay > volumeDay ? null : volumeDay - firstActivityDay + 1,
    daysSinceStart: contractStartDay === null ? null : asOfDay - contractStartDay,
    usageLevel: usageLevelOf(state, volumeDay, levelSinceDay),
    champion: championOf(state, asOfDay, volumeDay),
    keyFeatureOwnersLost: keyFeatureOwnersLostOf(state, settings.keyFeatures, asOfDay, volumeDay),
  };
}

function latestDay(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function billingTrouble(state: AccountState, asOfDay: number, memoryDays: number): Signals['billingTrouble'] {
  const { paymentFailedDay, invoiceOverdueDay, downgradeRequestedDay, lastPaymentOkDay } = state.billing;
  const open = (day: number | null, clearedBy: number | null): boolean =>
    day !== null && day <= asOfDay && asOfDay - day <= memoryDays && (clearedBy === null || clearedBy < day);
  const trouble: ('payment_failed' | 'invoice_overdue' | 'downgrade_requested')[] = [];
  if (open(paymentFailedDay, lastPaymentOkDay)) trouble.push('payment_failed');
  if (open(invoiceOverdueDay, lastPaymentOkDay)) trouble.push('invoice_overdue');
  if (open(downgradeRequestedDay, null)) trouble.push('downgrade_requested');
  return trouble;
}

function countSince(lastSeen: Record<string, number>, fromDay: number, toDay: number): number {
  let count = 0;
  for (const day of Object.values(lastSeen)) if (day >= fromDay && day <= toDay) count += 1;
  return count;
}
