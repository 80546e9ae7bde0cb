import { ownValue, setOwn, type JsonObject, type TelemetryEvent } from '@bellwether/contracts';
import { defaultSignalSettings, type EventClassificationSettings } from './signal-settings';
import { dayOf, weekOf } from './time';

/**
 * Everything scoring remembers about one account. Bounded: day counters cover the longest
 * window (90 days) and are pruned as the watermark moves; per-user and per-feature maps keep
 * only a last-seen day and are capped. Applying an event is O(1) amortised.
 */
export interface AccountState {
  readonly accountId: string;
  attributes: AccountAttributes;
  /** Events per day (activity), keyed by day number; days older than the horizon are pruned. */
  activityByDay: Record<string, number>;
  /** Support tickets opened per day. */
  ticketsByDay: Record<string, number>;
  /** Last day each user was active. */
  userLastSeen: Record<string, number>;
  /** Last day each feature was used. */
  featureLastUsed: Record<string, number>;
  milestones: string[];
  nps: NpsResponse | null;
  billing: { paymentFailedDay: number | null; invoiceOverdueDay: number | null; downgradeRequestedDay: number | null; lastPaymentOkDay: number | null };
  /** Newest event time seen for this account (day number), or null before the first event. */
  lastEventDay: number | null;
  firstEventDay: number | null;
  eventsApplied: number;

  // Added with the published signals (`AccountSignals`). States stored before have none of the
  // fields below: `upgradeState` fills them, and every reader goes through it.

  /** `feature.gated` events per day. */
  gatedByDay: Record<string, number>;
  /** Last day each gated feature was tried (capped). */
  gatedFeatureLastTried: Record<string, number>;
  /** `page.viewed` on a pricing/upgrade path, per day. */
  pricingViewsByDay: Record<string, number>;
  /** Latest `usage.reported` per metric (capped). */
  usageLatest: Record<string, UsageReport>;
  /** Days of the tickets opened per topic, oldest first (topics and days per topic capped). */
  ticketTopics: Record<string, number[]>;
  /** Tickets that are complaints/escalations, per day. */
  escalationsByDay: Record<string, number>;
  emailOpensByDay: Record<string, number>;
  eventsAttendedByDay: Record<string, number>;
  communityPostsByDay: Record<string, number>;
  lastTouchpointDay: number | null;
  /** Day of the last milestone completed for the first time. */
  lastMilestoneDay: number | null;
  /** The fixed 30-day periods (⌊day / 30⌋) each user was active in: the newest 3, ascending. */
  userPeriods: Record<string, number[]>;
  /**
   * The day from which the fields above were kept: null for a state that had them from its first
   * event, else the last event day of the older state when it was upgraded. "Never seen since" is
   * only known from that day on.
   */
  signalsTrackedSinceDay: number | null;
  /** Counters older than this day were pruned (pruning runs again only when the horizon moves). */
  prunedBeforeDay: number | null;
  /**
   * The closed days (day numbers, ascending) on which the account ended in the `at_risk` segment,
   * the last `REACTIVATION_WINDOW_DAYS` only. The lifecycle stage reads this window rather than
   * one evaluation, so a transient at-risk score cannot decide the stage (see `stageOf`).
   */
  atRiskClosedDays: number[];
  /** `signalFingerprint` of the signals at the last evaluation (null before one): a move publishes. */
  lastSignalsFingerprint: string | null;

  // Added with cold start, churn and seat cuts (issue 15). States stored before have none of the
  // fields below: `upgradeState` fills them too (see `emptyLifecycleFields`).

  /**
   * First day with product activity (an event that counts in `activityByDay`), or null before one.
   * Usage measures need `minObservedDays` of history from it (see measures.ts). Never pruned.
   */
  firstActivityDay: number | null;
  /** Event time (ISO-8601) of the latest `account.churned`, or null. See `churnedAsOf`. */
  churnedAt: string | null;
  /** Day of the earliest `account.churned`: from then on the account is a churned or returning customer. */
  firstChurnDay: number | null;
  /** Event time (ISO-8601) of the latest `account.renewed` or `subscription.changed`: a reactivation after a churn. */
  reactivatedAt: string | null;
  /**
   * Seats by the day (event time) they were set, when they differ from the seats in force before
   * that day; the newest `MAX_SEAT_CHANGES` days. The latest reduction is read by `seatsReducedDay`.
   */
  seatsByDay: Record<string, number>;

  // Added with the long-horizon signals (issue 15). States stored before lack both: `upgradeState`
  // fills them and marks the counts as kept since the state's last event day.

  /**
   * Activity events per user per week (`weekOf(day)` → count), for the champion: weeks within the
   * state horizon only, at most `MAX_ACTIVITY_USERS` users (past the cap a new user replaces the
   * least active one, so the top users always stay).
   */
  userWeeklyActivity: Record<string, Record<string, number>>;
  /** The day from which `userWeeklyActivity` was kept: null when kept from the first event. */
  userActivityTrackedSinceDay: number | null;
  /**
   * Uses of each key feature (the scorecard's, as events are applied) per user per week (feature →
   * user → week → uses), for the key features' owners: weeks within the horizon, at most
   * `MAX_USERS_PER_KEY_FEATURE` users per feature (the least active makes room) and
   * `MAX_OWNER_FEATURES` features. Kept since `userActivityTrackedSinceDay`, like the above.
   */
  keyFeatureUsers: Record<string, Record<string, Record<string, number>>>;
}

export interface NpsResponse {
  score: number;
  day: number;
  /** The response's event time (ISO-8601); absent in states stored before it was kept. */
  at?: string;
  comment?: string;
}

export interface UsageReport {
  value: number;
  /** The limit the report carried, if any (the plan's `attributes.limits` apply otherwise). */
  limit: number | null;
  day: number;
}

export interface AccountAttributes {
  plan?: string;
  seats?: number;
  mrr?: number;
  /** The owner CSM. Set only by trusted events (`trustedAttributes`), like `team` and `tier`. */
  csmId?: string;
  /** The team that owns the account (trusted events only). */
  team?: string;
  /** The account's tier as the CRM or an admin sets it (trusted events only). */
  tier?: string;
  renewalDate?: string;
  contractStart?: string;
  /** Plan limits per usage metric (from `subscription.changed` `limits`), capped. */
  limits?: Record<string, number>;
}

export const STATE_HORIZON_DAYS = 90;
/** Users whose last active day is kept (`userLastSeen`, `userPeriods`); past it a new user is not tracked there. */
export const MAX_TRACKED_USERS = 5000;
const MAX_TRACKED_FEATURES = 200;
const MAX_MILESTONES = 100;
export const MAX_GATED_FEATURES = 50;
export const MAX_USAGE_METRICS = 50;
export const MAX_PLAN_LIMITS = 50;
export const MAX_TICKET_TOPICS = 50;
export const MAX_TICKETS_PER_TOPIC = 50;
/** Per user, the newest this many 30-day periods: enough for this period vs the previous one. */
export const MAX_PERIODS_PER_USER = 3;
export const PERIOD_DAYS = 30;
/** Seat changes kept per account (the newest days): enough to see the latest cut. */
export const MAX_SEAT_CHANGES = 20;
/**
 * Users whose weekly activity is kept (for the champion). A top user of an account with more
 * users than this still stays (the least active is replaced); beyond a few hundred users no one
 * user's departure is a lost champion anyway. Bounds the state at 200 × 14 weekly counts.
 */
export const MAX_ACTIVITY_USERS = 200;
/** Key features whose per-user use is kept (the scorecard lists five by default). */
export const MAX_OWNER_FEATURES = 20;
/** Users kept per key feature: its owner is one of its most active users. */
export const MAX_USERS_PER_KEY_FEATURE = 20;
const MAX_NAME_LENGTH = 100;
const MAX_COMMENT_LENGTH = 1000;

/** The fixed 30-day period a day belongs to (periods start on multiples of 30 epoch days). */
export function periodOf(day: number): number {
  return Math.floor(day / PERIOD_DAYS);
}

export function emptyAccountState(accountId: string): AccountState {
  return {
    accountId,
    attributes: {},
    activityByDay: {},
    ticketsByDay: {},
    userLastSeen: {},
    featureLastUsed: {},
    milestones: [],
    nps: null,
    billing: { paymentFailedDay: null, invoiceOverdueDay: null, downgradeRequestedDay: null, lastPaymentOkDay: null },
    lastEventDay: null,
    firstEventDay: null,
    eventsApplied: 0,
    ...emptySignalFields(null),
    firstActivityDay: null,
    churnedAt: null,
    firstChurnDay: null,
    reactivatedAt: null,
    seatsByDay: {},
    userWeeklyActivity: {},
    userActivityTrackedSinceDay: null,
    keyFeatureUsers: {},
  };
}

type SignalFields = Pick<
  AccountState,
  | 'gatedByDay'
  | 'gatedFeatureLastTried'
  | 'pricingViewsByDay'
  | 'usageLatest'
  | 'ticketTopics'
  | 'escalationsByDay'
  | 'emailOpensByDay'
  | 'eventsAttendedByDay'
  | 'communityPostsByDay'
  | 'lastTouchpointDay'
  | 'lastMilestoneDay'
  | 'userPeriods'
  | 'signalsTrackedSinceDay'
  | 'prunedBeforeDay'
  | 'atRiskClosedDays'
  | 'lastSignalsFingerprint'
>;

function emptySignalFields(trackedSince: number | null): SignalFields {
  return {
    gatedByDay: {},
    gatedFeatureLastTried: {},
    pricingViewsByDay: {},
    usageLatest: {},
    ticketTopics: {},
    escalationsByDay: {},
    emailOpensByDay: {},
    eventsAttendedByDay: {},
    communityPostsByDay: {},
    lastTouchpointDay: null,
    lastMilestoneDay: null,
    userPeriods: {},
    signalsTrackedSinceDay: trackedSince,
    prunedBeforeDay: null,
    atRiskClosedDays: [],
    lastSignalsFingerprint: null,
  };
}

/**
 * Fills, in place, the fields a state stored by an older version lacks (Postgres keeps states
 * as JSON), and returns it. Idempotent. Such a state is marked as tracked since its last event
 * day, so signals like "no touchpoint for 45 days" do not count the time before it as silence.
 */
export function upgradeState(state: AccountState): AccountState {
  // Every event and evaluation calls this: a state already upgraded (the usual case) is returned at once.
  if (isUpgraded(state)) return state;
  const stored = state as Partial<AccountState>;
  if (stored.userWeeklyActivity === undefined) {
    state.userWeeklyActivity = {};
    state.userActivityTrackedSinceDay = state.lastEventDay ?? null;
  }
  if (stored.keyFeatureUsers === undefined) state.keyFeatureUsers = {};
  const defaults = { ...emptySignalFields(stored.signalsTrackedSinceDay === undefined ? (state.lastEventDay ?? null) : null), ...emptyLifecycleFields(state) };
  const target = state as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaults)) {
    if (target[key] === undefined) target[key] = value;
  }
  return state;
}

/** The fields `upgradeState` fills when missing: a state with all of them is upgraded already. */
const upgradedFields: readonly string[] = [
  'userWeeklyActivity',
  'keyFeatureUsers',
  ...Object.keys(emptySignalFields(null)),
  ...Object.keys(emptyLifecycleFields({ attributes: {}, firstEventDay: null, lastEventDay: null } as unknown as AccountState)),
];

type LifecycleFields = Pick<AccountState, 'firstActivityDay' | 'churnedAt' | 'firstChurnDay' | 'reactivatedAt' | 'seatsByDay'>;

/**
 * The issue-15 fields for a state stored before them. Such an account was scored on its usage
 * already, so its activity history counts from its first event (a lower bound: it keeps the
 * opinion it had rather than turning "insufficient" on upgrade), and the seats it has are taken
 * as set on that day. A churn it had before is unknown to it.
 */
function emptyLifecycleFields(state: AccountState): LifecycleFields {
  const seats = state.attributes?.seats;
  const since = state.firstEventDay ?? state.lastEventDay;
  return {
    firstActivityDay: state.firstEventDay ?? null,
    churnedAt: null,
    firstChurnDay: null,
    reactivatedAt: null,
    seatsByDay: seats !== undefined && since !== null && since !== undefined ? { [since]: seats } : {},
  };
}

/**
 * The event time of the account's churn when it is churned as of `asOf` (ISO-8601), else null:
 * its latest `account.churned` is at or before `asOf` and no reactivation (`account.renewed`, a
 * `subscription.changed`) came after it, up to `asOf`. Kept as latest times, so events applied in
 * any order give the same answer. Reads a state of any version.
 */
export function churnedAsOf(state: AccountState, asOf: string): string | null {
  const churnedAt = state.churnedAt ?? null;
  if (churnedAt === null || churnedAt > asOf) return null;
  const reactivatedAt = state.reactivatedAt ?? null;
  return reactivatedAt !== null && reactivatedAt > churnedAt && reactivatedAt <= asOf ? null : churnedAt;
}

/** Whether the account had churned by `day` (day number): it is then a churned or returning customer, not a new one. */
export function hasChurnedBy(state: AccountState, day: number): boolean {
  const firstChurnDay = state.firstChurnDay ?? null;
  return firstChurnDay !== null && firstChurnDay <= day;
}

/**
 * Whether a `subscription.changed` describes a live subscription: it sets neither MRR nor seats to
 * 0 (or below). Only such a change after a churn reactivates the account.
 */
export function isLiveSubscription(properties: JsonObject): boolean {
  const ended = (value: unknown) => typeof value === 'number' && value <= 0;
  return !ended(properties['mrr']) && !ended(properties['seats']);
}

/**
 * The day a returning customer came back (its latest reactivation, when it came after its latest
 * churn and by `day`), else null. Its usage history restarts there: the weeks it was gone are no
 * level to compare with, and the usage measures judge it as a new account until they have
 * `minObservedDays` of its return.
 */
export function returnedDay(state: AccountState, day: number): number | null {
  const churnedAt = state.churnedAt ?? null;
  const reactivatedAt = state.reactivatedAt ?? null;
  if (churnedAt === null || reactivatedAt === null || reactivatedAt <= churnedAt) return null;
  const returned = dayOf(reactivatedAt);
  return returned <= day ? returned : null;
}

/**
 * The day of the latest seat reduction at or before `day` (seats set below the seats in force
 * before), or null when seats never went down. Read from `seatsByDay`, in event-time order.
 */
export function seatsReducedDay(state: AccountState, day: number): number | null {
  const changes = Object.entries(state.seatsByDay ?? {})
    .map(([key, seats]) => [Number(key), seats] as const)
    .filter(([changeDay]) => changeDay <= day)
    .sort(([a], [b]) => a - b);
  let reduced: number | null = null;
  for (let index = 1; index < changes.length; index += 1) {
    const previous = changes[index - 1];
    const current = changes[index];
    if (previous && current && current[1] < previous[1]) reduced = current[0];
  }
  return reduced;
}

/**
 * A read-only view of a possibly older state with every field present (the input is not changed):
 * the state itself when it has them all already (the usual case: no copy), else an upgraded
 * shallow copy.
 */
export function upgradedView(state: AccountState): AccountState {
  return isUpgraded(state) ? state : upgradeState({ ...state });
}

/** Whether the state has every field `upgradeState` fills (a plain loop: it runs per event and per evaluation). */
function isUpgraded(state: AccountState): boolean {
  const fields = state as unknown as Record<string, unknown>;
  for (let index = 0; index < upgradedFields.length; index += 1) {
    if (fields[upgradedFields[index] as string] === undefined) return false;
  }
  return true;
}

/** Event types that say nothing about product activity (they come from billing, CRM, CSMs). */
const nonActivityTypes: ReadonlySet<string> = new Set([
  'billing.payment_failed',
  'billing.payment_succeeded',
  'billing.invoice_overdue',
  'subscription.changed',
  'subscription.downgrade_requested',
  'csm.touchpoint',
  'account.updated',
  'account.churned',
  'account.renewed',
  'account.expanded',
  'account.contracted',
  'nps.responded',
  'support.ticket_resolved',
]);

/**
 * Applies one event to the state in place (the caller owns the object). `settings` classify
 * events (pricing pages, escalations); they default to the default scorecard's. `day`: the event's
 * day number, `dayOf(event.timestamp)` (its default), when the caller has parsed it already.
 */
export function applyEvent(state: AccountState, event: TelemetryEvent, settings: EventClassificationSettings = defaultSignalSettings, day: number = dayOf(event.timestamp)): void {
  upgradeState(state);
  const properties = event.properties;
  state.eventsApplied += 1;
  state.lastEventDay = state.lastEventDay === null ? day : Math.max(state.lastEventDay, day);
  state.firstEventDay = state.firstEventDay === null ? day : Math.min(state.firstEventDay, day);

  if (!nonActivityTypes.has(event.type)) {
    increment(state.activityByDay, day);
    state.firstActivityDay = state.firstActivityDay === null ? day : Math.min(state.firstActivityDay, day);
    if (event.userId) {
      touch(state.userLastSeen, event.userId, day, MAX_TRACKED_USERS);
      addPeriod(state.userPeriods, event.userId, periodOf(day));
      addUserActivity(state.userWeeklyActivity, event.userId, weekOf(day), MAX_ACTIVITY_USERS);
    }
  }

  switch (event.type) {
    case 'feature.used': {
      const feature = stringProperty(properties, 'feature');
      if (feature) touch(state.featureLastUsed, feature, day, MAX_TRACKED_FEATURES);
      if (feature && event.userId && settings.keyFeatures?.includes(feature)) {
        const known = ownValue(state.keyFeatureUsers, feature);
        if (known || Object.keys(state.keyFeatureUsers).length < MAX_OWNER_FEATURES) {
          const users = known ?? {};
          if (!known) setOwn(state.keyFeatureUsers, feature, users);
          addUserActivity(users, event.userId, weekOf(day), MAX_USERS_PER_KEY_FEATURE);
        }
      }
      break;
    }
    case 'feature.gated': {
      increment(state.gatedByDay, day);
      const feature = nameProperty(properties, 'feature');
      if (feature) touch(state.gatedFeatureLastTried, feature, day, MAX_GATED_FEATURES);
      break;
    }
    case 'page.viewed': {
      const path = stringProperty(properties, 'path') ?? stringProperty(properties, 'url');
      if (path && isPricingPath(path, settings.pricingPaths)) increment(state.pricingViewsByDay, day);
      break;
    }
    case 'usage.reported':
      applyUsage(state.usageLatest, properties, day);
      break;
    case 'onboarding.milestone_completed': {
      const milestone = stringProperty(properties, 'milestone');
      if (milestone && !state.milestones.includes(milestone)) {
        state.lastMilestoneDay = later(state.lastMilestoneDay, day);
        if (state.milestones.length < MAX_MILESTONES) state.milestones.push(milestone);
      }
      break;
    }
    case 'support.ticket_opened': {
      increment(state.ticketsByDay, day);
      const topic = nameProperty(properties, 'topic')?.toLowerCase();
      if (topic) addTicketTopic(state.ticketTopics, topic, day);
      if (isEscalation(properties, topic, settings)) increment(state.escalationsByDay, day);
      break;
    }
    case 'nps.responded': {
      const score = numberProperty(properties, 'score');
      const ms = Date.parse(event.timestamp);
      const at = Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
      const newer = state.nps === null || day > state.nps.day || (day === state.nps.day && (state.nps.at === undefined || at === undefined || at >= state.nps.at));
      if (score !== undefined && score >= 0 && score <= 10 && newer) {
        const comment = stringProperty(properties, 'comment')?.trim().slice(0, MAX_COMMENT_LENGTH);
        state.nps = { score, day, ...(at ? { at } : {}), ...(comment ? { comment } : {}) };
      }
      break;
    }
    case 'engagement.email_opened':
      increment(state.emailOpensByDay, day);
      break;
    case 'engagement.event_attended':
      increment(state.eventsAttendedByDay, day);
      break;
    case 'community.posted':
      increment(state.communityPostsByDay, day);
      break;
    case 'csm.touchpoint':
      state.lastTouchpointDay = later(state.lastTouchpointDay, day);
      break;
    case 'billing.payment_failed':
      state.billing.paymentFailedDay = later(state.billing.paymentFailedDay, day);
      break;
    case 'billing.invoice_overdue':
      state.billing.invoiceOverdueDay = later(state.billing.invoiceOverdueDay, day);
      break;
    case 'billing.payment_succeeded':
      state.billing.lastPaymentOkDay = later(state.billing.lastPaymentOkDay, day);
      break;
    case 'subscription.downgrade_requested':
      state.billing.downgradeRequestedDay = later(state.billing.downgradeRequestedDay, day);
      break;
    case 'subscription.changed':
      applyAttributes(state.attributes, properties, event.trustedAttributes === true);
      recordSeats(state.seatsByDay, properties, day);
      // A new subscription after a churn brings the customer back (see `churnedAsOf`); a billing
      // system's follow-up to the cancellation (MRR or seats set to 0) is no new subscription.
      if (isLiveSubscription(properties)) state.reactivatedAt = laterTime(state.reactivatedAt, event.timestamp);
      break;
    case 'account.updated': {
      const traits = properties['traits'];
      if (traits && typeof traits === 'object' && !Array.isArray(traits)) {
        applyAttributes(state.attributes, traits, event.trustedAttributes === true);
        recordSeats(state.seatsByDay, traits, day);
      }
      break;
    }
    case 'account.churned':
      state.churnedAt = laterTime(state.churnedAt, event.timestamp);
      state.firstChurnDay = state.firstChurnDay === null ? day : Math.min(state.firstChurnDay, day);
      break;
    case 'account.renewed':
      state.reactivatedAt = laterTime(state.reactivatedAt, event.timestamp);
      break;
    default:
      break;
  }
  // Pruning scans the maps, so it runs when the horizon moved (once a day at most) or when a
  // late event landed before it: O(1) amortised per event.
  const oldestDay = (state.lastEventDay ?? day) - STATE_HORIZON_DAYS;
  if (state.prunedBeforeDay === null || oldestDay > state.prunedBeforeDay || day < oldestDay) pruneBefore(state, oldestDay);
}

/** Drops day counters older than `oldestDay`; keeps state bounded as time passes. */
export function pruneBefore(state: AccountState, oldestDay: number): void {
  upgradeState(state);
  const counters = [
    state.activityByDay,
    state.ticketsByDay,
    state.gatedByDay,
    state.pricingViewsByDay,
    state.escalationsByDay,
    state.emailOpensByDay,
    state.eventsAttendedByDay,
    state.communityPostsByDay,
  ];
  for (const byDay of counters) {
    for (const key of Object.keys(byDay)) if (Number(key) < oldestDay) delete byDay[key];
  }
  for (const lastSeen of [state.userLastSeen, state.featureLastUsed, state.gatedFeatureLastTried]) {
    for (const [key, lastDay] of Object.entries(lastSeen)) if (lastDay < oldestDay) delete lastSeen[key];
  }
  for (const [metric, report] of Object.entries(state.usageLatest)) if (report.day < oldestDay) delete state.usageLatest[metric];
  for (const [topic, days] of Object.entries(state.ticketTopics)) {
    const kept = days.filter((ticketDay) => ticketDay >= oldestDay);
    if (kept.length > 0) state.ticketTopics[topic] = kept;
    else delete state.ticketTopics[topic];
  }
  const oldestPeriod = periodOf(oldestDay);
  for (const [user, periods] of Object.entries(state.userPeriods)) {
    const kept = periods.filter((period) => period >= oldestPeriod);
    if (kept.length > 0) state.userPeriods[user] = kept;
    else delete state.userPeriods[user];
  }
  const oldestWeek = weekOf(oldestDay);
  // Runs for up to 200 users and 20 × 20 feature users per account and day: one key list per user, no entries arrays.
  const pruneWeeks = (activity: Record<string, Record<string, number>>): void => {
    for (const user of Object.keys(activity)) {
      const weeks = activity[user] as Record<string, number>;
      let kept = 0;
      for (const week of Object.keys(weeks)) {
        if (Number(week) < oldestWeek) delete weeks[week];
        else kept += 1;
      }
      if (kept === 0) delete activity[user];
    }
  };
  pruneWeeks(state.userWeeklyActivity);
  for (const [feature, users] of Object.entries(state.keyFeatureUsers)) {
    pruneWeeks(users);
    if (Object.keys(users).length === 0) delete state.keyFeatureUsers[feature];
  }
  state.prunedBeforeDay = state.prunedBeforeDay === null ? oldestDay : Math.max(state.prunedBeforeDay, oldestDay);
}

/**
 * Whether a viewed path is one of the pricing paths: equal to a prefix, or continuing it with
 * `/`, `?` or `#`. Case-insensitive; a full URL is reduced to its path.
 */
export function isPricingPath(rawPath: string, prefixes: readonly string[]): boolean {
  let path = rawPath.trim().toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return false;
    }
  }
  return prefixes.some((raw) => {
    const prefix = raw.trim().toLowerCase().replace(/(.)\/+$/, '$1');
    if (prefix.length === 0) return false;
    if (path === prefix) return true;
    if (prefix === '/') return path.startsWith('/');
    return path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`) || path.startsWith(`${prefix}#`);
  });
}

function isEscalation(properties: JsonObject, topic: string | undefined, settings: EventClassificationSettings): boolean {
  const matches = (value: string | undefined, list: readonly string[]): boolean =>
    value !== undefined && list.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
  return (
    matches(stringProperty(properties, 'severity'), settings.escalationSeverities) ||
    matches(stringProperty(properties, 'sentiment'), settings.escalationSentiments) ||
    matches(topic, settings.escalationTopics)
  );
}

function applyUsage(latest: Record<string, UsageReport>, properties: JsonObject, day: number): void {
  const metric = nameProperty(properties, 'metric');
  const value = numberProperty(properties, 'value');
  if (!metric || value === undefined) return;
  const limit = numberProperty(properties, 'limit');
  const previous = ownValue(latest, metric);
  if (previous && previous.day > day) return;
  if (!previous && Object.keys(latest).length >= MAX_USAGE_METRICS) return;
  setOwn(latest, metric, { value, limit: limit !== undefined && limit > 0 ? limit : null, day });
}

/** Adds a ticket day to its topic; past the topic cap, the topic with the oldest last ticket makes room. */
function addTicketTopic(topics: Record<string, number[]>, topic: string, day: number): void {
  let days = ownValue(topics, topic);
  if (!days) {
    const names = Object.keys(topics);
    if (names.length >= MAX_TICKET_TOPICS) {
      const lastDay = (name: string): number => topics[name]?.at(-1) ?? Number.NEGATIVE_INFINITY;
      const stalest = names.reduce((a, b) => (lastDay(b) < lastDay(a) || (lastDay(b) === lastDay(a) && b < a) ? b : a));
      if (lastDay(stalest) > day) return;
      delete topics[stalest];
    }
    days = [];
    setOwn(topics, topic, days);
  }
  let index = days.length;
  while (index > 0 && (days[index - 1] ?? 0) > day) index -= 1;
  days.splice(index, 0, day);
  if (days.length > MAX_TICKETS_PER_TOPIC) days.splice(0, days.length - MAX_TICKETS_PER_TOPIC);
}

/** Records that a user was active in a period: distinct, ascending, the newest few only. */
function addPeriod(userPeriods: Record<string, number[]>, user: string, period: number): void {
  const periods = ownValue(userPeriods, user);
  if (!periods) {
    if (Object.keys(userPeriods).length >= MAX_TRACKED_USERS) return;
    setOwn(userPeriods, user, [period]);
    return;
  }
  if (periods.includes(period)) return;
  periods.push(period);
  periods.sort((a, b) => a - b);
  if (periods.length > MAX_PERIODS_PER_USER) periods.splice(0, periods.length - MAX_PERIODS_PER_USER);
}

/**
 * Counts a user's activity in a week. Past `cap` users, the user with the least activity
 * kept (ties: the earliest last week, then the greatest id) makes room, so a top user is never
 * displaced by newcomers. Deterministic for a given event order.
 */
function addUserActivity(activity: Record<string, Record<string, number>>, user: string, week: number, cap: number): void {
  let weeks = ownValue(activity, user);
  if (!weeks) {
    const users = Object.keys(activity);
    if (users.length >= cap) {
      const total = (name: string): number => Object.values(activity[name] ?? {}).reduce((sum, count) => sum + count, 0);
      const latest = (name: string): number => Math.max(...Object.keys(activity[name] ?? {}).map(Number));
      let weakest = users[0] as string;
      for (const candidate of users) {
        const order = total(candidate) - total(weakest) || latest(candidate) - latest(weakest) || (candidate > weakest ? -1 : 1);
        if (order < 0) weakest = candidate;
      }
      delete activity[weakest];
    }
    weeks = {};
    setOwn(activity, user, weeks);
  }
  weeks[week] = (weeks[week] ?? 0) + 1;
}

/**
 * Applies the attributes an event carries. Ownership (csmId, team, tier: who sees the account)
 * only from a trusted event, one ingestion marked as coming from the admin API or a key with the
 * `accounts:write` scope; telemetry may carry the rest (plan, seats, MRR…). See docs/security.md.
 */
function applyAttributes(attributes: AccountAttributes, source: JsonObject, trusted: boolean): void {
  const plan = stringProperty(source, 'plan');
  const seats = numberProperty(source, 'seats');
  const mrr = numberProperty(source, 'mrr');
  const renewalDate = stringProperty(source, 'renewalDate');
  const contractStart = stringProperty(source, 'startDate') ?? stringProperty(source, 'contractStart');
  if (plan) attributes.plan = plan;
  if (seats !== undefined && seats >= 0) attributes.seats = seats;
  if (mrr !== undefined && mrr >= 0) attributes.mrr = mrr;
  if (trusted) applyOwnership(attributes, source);
  if (renewalDate && !Number.isNaN(Date.parse(renewalDate))) attributes.renewalDate = renewalDate;
  if (contractStart && !Number.isNaN(Date.parse(contractStart))) attributes.contractStart = contractStart;
  const limits = source['limits'];
  if (limits && typeof limits === 'object' && !Array.isArray(limits)) {
    const parsed: Record<string, number> = {};
    for (const [metric, limit] of Object.entries(limits)) {
      if (Object.keys(parsed).length >= MAX_PLAN_LIMITS) break;
      if (metric.length > 0 && metric.length <= MAX_NAME_LENGTH && typeof limit === 'number' && Number.isFinite(limit) && limit > 0) setOwn(parsed, metric, limit);
    }
    attributes.limits = parsed;
  }
}

function applyOwnership(attributes: AccountAttributes, source: JsonObject): void {
  const csmId = nameProperty(source, 'csmId');
  const team = nameProperty(source, 'team');
  const tier = nameProperty(source, 'tier');
  if (csmId) attributes.csmId = csmId;
  if (team) attributes.team = team;
  if (tier) attributes.tier = tier;
  // An explicit null unassigns (the admin API's way to take an account out of a book).
  for (const name of ['csmId', 'team', 'tier'] as const) if (source[name] === null) delete attributes[name];
}

function increment(counters: Record<string, number>, day: number): void {
  counters[day] = (counters[day] ?? 0) + 1;
}

function touch(lastSeen: Record<string, number>, key: string, day: number, cap: number): void {
  const previous = ownValue(lastSeen, key);
  if (previous !== undefined) {
    if (day > previous) setOwn(lastSeen, key, day);
    return;
  }
  if (Object.keys(lastSeen).length >= cap) return;
  setOwn(lastSeen, key, day);
}

/**
 * Records the seats an event sets on its day, unless they equal the seats in force before that
 * day (a CRM sync repeating them is no change); the newest `MAX_SEAT_CHANGES` days are kept.
 */
function recordSeats(seatsByDay: Record<string, number>, source: JsonObject, day: number): void {
  const seats = numberProperty(source, 'seats');
  if (seats === undefined || seats < 0) return;
  const earlier = Object.keys(seatsByDay)
    .map(Number)
    .filter((changeDay) => changeDay < day)
    .sort((a, b) => b - a)[0];
  if (seatsByDay[day] === undefined && earlier !== undefined && seatsByDay[earlier] === seats) return;
  seatsByDay[day] = seats;
  const days = Object.keys(seatsByDay)
    .map(Number)
    .sort((a, b) => b - a);
  for (const old of days.slice(MAX_SEAT_CHANGES)) delete seatsByDay[old];
}

/** The later of two instants, as a normalised ISO-8601 string (an unparsable time changes nothing). */
function laterTime(current: string | null, time: string): string | null {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return current;
  const iso = new Date(ms).toISOString();
  return current === null || iso > current ? iso : current;
}

function later(current: number | null, day: number): number {
  return current === null ? day : Math.max(current, day);
}

function stringProperty(source: JsonObject, name: string): string | undefined {
  const value = source[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A short identifier-like property (topic, metric, feature): trimmed, at most 100 characters. */
function nameProperty(source: JsonObject, name: string): string | undefined {
  const value = stringProperty(source, name)?.trim();
  return value ? value.slice(0, MAX_NAME_LENGTH) : undefined;
}

function numberProperty(source: JsonObject, name: string): number | undefined {
  const value = source[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
