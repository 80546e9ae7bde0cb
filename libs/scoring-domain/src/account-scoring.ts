import { isKnownEventType, ownValue, type AccountSignals, type ScoreChanged, type ScoreDriver, type ScoreSnapshot, type TelemetryEvent } from '@bellwether/contracts';
import { deriveAccountSignals } from './account-signals';
import { deriveSignals } from './signals';
import { applyEvent, churnedAsOf, emptyAccountState, STATE_HORIZON_DAYS, upgradeState, type AccountState } from './account-state';
import { isMaterialChange, reasonsForChange } from './score-change';
import type { Scorecard } from './scorecard';
import { scorecardAt, type Scorecards } from './scorecard-timeline';
import { evaluateAccount, REACTIVATION_WINDOW_DAYS } from './scores';
import { DAY_MS, dayEnd, dayOf, dayStart, timedEventOf, type TimedEvent } from './time';

/** What scoring keeps per account between batches. */
export interface StoredAccount {
  readonly state: AccountState;
  readonly snapshot: ScoreSnapshot | null;
  readonly drivers: readonly ScoreDriver[] | null;
  readonly sequence: number;
  /** Event time of the last evaluation (a late event's re-score sets it back to its own time). */
  readonly evaluatedAsOf: string | null;
  /**
   * A day boundary (00:00 UTC, ISO-8601): every day of the account before it is closed, that is,
   * it was evaluated as of its end. Null only for an account stored before days were closed;
   * it then counts from its last evaluation.
   */
  readonly closedThrough: string | null;
}

/** What applying one account's new events gave. */
export interface AccountEventsResult {
  readonly stored: StoredAccount;
  /** The changes to publish, in order (sequence ascending); empty when nothing moved materially. */
  readonly changes: readonly ScoreChanged[];
  /** Events in a day the account had already closed, re-scored as of their own event time. */
  readonly late: number;
  /** Ids of events more than `allowedLatenessDays` behind the account's newest event: not scored. */
  readonly beyondLateness: readonly string[];
}

export interface ApplyOptions {
  /** Events further behind the account's newest event than this (days) are not scored. */
  readonly allowedLatenessDays: number;
  /**
   * Bounded out-of-orderness (ms): an event this far past the end of a day closes that day for
   * its account even before the account's activity moves on (see `applyAccountEvents`).
   */
  readonly gracePeriodMs: number;
  /**
   * The caller hands `previous` over (read for this call and not used after it, as a consumer's
   * freshly loaded rows are): its state is updated in place instead of deep-copied first. Default
   * false: `previous` is left unchanged. Either way the outcome is the same.
   */
  readonly consumesPrevious?: boolean;
}

/**
 * Days of silence closed one by one at most: beyond a full state horizon of silence every window
 * is empty, so older days are closed without an evaluation (bounds the work of a far jump).
 */
export const MAX_DAYS_EVALUATED_PER_CLOSE = STATE_HORIZON_DAYS + 60;

/**
 * Routine usage: an evaluation point only as the first activity of its day, a pricing page view or
 * a key feature's first use in 30 days. Every other contract event type is a signal, and every
 * occurrence of it is a point. (Custom track types are routine usage too.)
 */
const routineUsageTypes: ReadonlySet<string> = new Set(['session.started', 'feature.used', 'page.viewed']);

function isSignalEvent(type: string): boolean {
  return isKnownEventType(type) && !routineUsageTypes.has(type);
}

/**
 * Contract event types the product itself reports. Every other contract type comes from another
 * system (support desk, billing, CRM, surveys, marketing, CSMs) and often arrives on another path,
 * with another delay, than the product's telemetry: such events neither close an account's day
 * early. Custom track types count as product telemetry.
 */
const productTelemetryTypes: ReadonlySet<string> = new Set(['session.started', 'feature.used', 'feature.gated', 'page.viewed', 'usage.reported', 'onboarding.milestone_completed']);

function isProductTelemetry(type: string): boolean {
  return !isKnownEventType(type) || productTelemetryTypes.has(type);
}

/** Events that set attributes rather than signal health. */
const attributeEventTypes: ReadonlySet<string> = new Set(['subscription.changed', 'account.updated']);

/**
 * Applies one account's new events (deduplicated, in the order they were read from the
 * partition) and evaluates the account at points that depend on the events alone, never on how
 * they were batched or how far other partitions are:
 * 1. Before product activity of a later day is applied, or any event a grace period past the end
 *    of a day, every day of the account up to it is **closed**: evaluated as of its last
 *    millisecond, in order, none coalesced (`closeAccountDays`).
 * 2. After an event, the account is evaluated as of that event's own time when the event is an
 *    evaluation point: a signal event (billing, NPS, tickets, subscription, touchpoints…), the
 *    first activity of its day, a pricing page view, or the first use of a key feature in 30 days.
 *    Other activity shows at the next point or when its day closes. Activity counts at such a
 *    point end at the last closed day, so a partial day is never compared with full ones. An
 *    account's first score never comes from an attribute event (subscription, owner) alone.
 * A late event (its day already closed) is an evaluation point too, as of its own event time.
 * Events more than `allowedLatenessDays` behind the account's newest event are not scored: they
 * fall outside every window a score reads. Attribute events are never too late: they are applied
 * (the newest applied wins, as before), and a late one shows at the next evaluation point. Pure.
 */
export function applyAccountEvents(
  accountId: string,
  previous: StoredAccount | null,
  events: readonly TelemetryEvent[],
  scorecards: Scorecards,
  options: ApplyOptions,
): AccountEventsResult {
  return applyTimedAccountEvents(accountId, previous, events.map(timedEventOf), scorecards, options);
}

/**
 * `applyAccountEvents` of events whose times the caller has parsed already (`timedEventOf`, once
 * per event: `applyEventBatch` reads them for the batch's newest event time too). Same result.
 */
export function applyTimedAccountEvents(
  accountId: string,
  previous: StoredAccount | null,
  events: readonly TimedEvent[],
  scorecards: Scorecards,
  options: ApplyOptions,
): AccountEventsResult {
  const changes: ScoreChanged[] = [];
  const beyondLateness: string[] = [];
  let late = 0;
  let current: StoredAccount | null = previous ? { ...previous, state: options.consumesPrevious ? previous.state : structuredClone(previous.state) } : null;
  // The key features of the scorecard in force at each event's time (one set per scorecard).
  let keyFeaturesCard: Scorecard | null = null;
  let keyFeatures: ReadonlySet<string> = new Set();
  for (const { event, time: eventTime, ms: eventMs, day } of events) {
    const scorecard = scorecardAt(scorecards, eventTime);
    if (keyFeaturesCard !== scorecard) {
      keyFeaturesCard = scorecard;
      keyFeatures = new Set(scorecard.signals.keyFeatures);
    }
    const boundary = dayStart(day);
    if (current === null) {
      current = { state: emptyAccountState(accountId), snapshot: null, drivers: null, sequence: 0, evaluatedAsOf: null, closedThrough: boundary };
    }
    const state = current.state;
    const describes = attributeEventTypes.has(event.type);
    // Attribute events set state rather than fill windows: a CRM backfill of the owner is never too late.
    if (!describes && state.lastEventDay !== null && day < state.lastEventDay - options.allowedLatenessDays) {
      beyondLateness.push(event.id);
      continue;
    }
    const closedThrough = closedThroughOf(current, boundary);
    const closeThrough = closingBoundary(event.type, eventMs, day, options.gracePeriodMs);
    if (closeThrough > closedThrough) {
      const closed = closeDays(accountId, { ...current, closedThrough }, closeThrough, scorecards);
      current = closed.stored;
      changes.push(...closed.changes);
    } else if (current.closedThrough === null) {
      current = { ...current, closedThrough };
    }
    const isLate = boundary < (current.closedThrough ?? boundary);
    if (isLate) late += 1;
    const activityBefore = current.state.activityByDay[day] ?? 0;
    const pricingBefore = current.state.pricingViewsByDay[day] ?? 0;
    const feature = typeof event.properties['feature'] === 'string' ? event.properties['feature'] : undefined;
    const featureLastUsed = feature !== undefined && keyFeatures.has(feature) ? ownValue(current.state.featureLastUsed, feature) : undefined;
    const newKeyFeature = feature !== undefined && keyFeatures.has(feature) && event.type === 'feature.used' && (featureLastUsed === undefined || featureLastUsed <= day - 30);
    applyEvent(current.state, event, scorecard.signals, day);
    // Attribute events describe the account (plan, seats, owner): they do not create its first
    // score, so a CRM sync that sets the owner after the subscription does not alert an unowned
    // queue first. Signals do, telemetry or not: a failed payment of an account whose product
    // telemetry is not connected still alerts. A late attribute event (a backfill) shows at the
    // next point rather than re-scoring an old day.
    const noOpinionYet = current.snapshot === null && describes;
    const evaluationPoint =
      !noOpinionYet &&
      !(describes && isLate) &&
      (isLate ||
        isSignalEvent(event.type) ||
        (activityBefore === 0 && (current.state.activityByDay[day] ?? 0) > 0) ||
        (current.state.pricingViewsByDay[day] ?? 0) > pricingBefore ||
        newKeyFeature);
    if (evaluationPoint) {
      // A late event is re-scored as of its own time; one merely out of order within days still
      // open (a bulk delivered after a prompt email open) never moves the evaluation back.
      const asOf = !isLate && current.evaluatedAsOf !== null && current.evaluatedAsOf > eventTime ? current.evaluatedAsOf : eventTime;
      const asOfDay = asOf === eventTime ? day : dayOf(asOf);
      // Activity counts end at the last closed day (a late event's own day is closed: complete),
      // except while no closed day holds the account's activity yet (its first day).
      const lastClosedDay = dayOf(current.closedThrough ?? boundary) - 1;
      const firstDay = current.state.firstEventDay ?? asOfDay;
      const volumeThroughDay = lastClosedDay < firstDay ? asOfDay : Math.min(asOfDay, lastClosedDay);
      const result = evaluate(accountId, current, current.state, asOf, { kind: 'event', eventId: event.id, eventType: event.type }, scorecardAt(scorecards, asOf), volumeThroughDay);
      current = result.stored;
      if (result.change) changes.push(result.change);
    }
  }
  const stored = current ?? { state: emptyAccountState(accountId), snapshot: null, drivers: null, sequence: 0, evaluatedAsOf: null, closedThrough: null };
  return { stored, changes, late, beyondLateness };
}

/**
 * Closes the account's days up to `through` (a day boundary, 00:00 UTC): each day not closed yet
 * is evaluated as of its last millisecond, oldest first, with a `watermark` cause. The day-roller
 * calls it for accounts whose events have not crossed the boundary themselves, once the pipeline
 * watermark is a grace period past it. Returns the account unchanged when it is closed already.
 * Pure; `previous` is not changed unless `options.consumesPrevious` (the caller hands it over, as
 * the day-roller does with the rows it read for the chunk: no deep copy of the state first; the
 * outcome is the same either way).
 */
export function closeAccountDays(
  accountId: string,
  previous: StoredAccount,
  through: string,
  scorecards: Scorecards,
  options: Pick<ApplyOptions, 'consumesPrevious'> = {},
): { stored: StoredAccount; changes: ScoreChanged[] } {
  const closedThrough = closedThroughOf(previous, through);
  if (closedThrough >= through) return { stored: previous, changes: [] };
  return closeDays(accountId, { ...previous, state: options.consumesPrevious ? previous.state : structuredClone(previous.state), closedThrough }, through, scorecards);
}

/**
 * Closes every account of a day-roll chunk through `through` (`closeAccountDays` each), in the
 * chunk's order: the accounts as they are to be stored and their changes, account by account in
 * sequence order. Pure; the accounts given are not changed unless `options.consumesPrevious`.
 */
export function closeAccountsDays(
  accounts: ReadonlyMap<string, StoredAccount>,
  through: string,
  scorecards: Scorecards,
  options: Pick<ApplyOptions, 'consumesPrevious'> = {},
): { accounts: Map<string, StoredAccount>; changes: ScoreChanged[] } {
  const closed = new Map<string, StoredAccount>();
  const changes: ScoreChanged[] = [];
  for (const [accountId, stored] of accounts) {
    const result = closeAccountDays(accountId, stored, through, scorecards, options);
    closed.set(accountId, result.stored);
    changes.push(...result.changes);
  }
  return { accounts: closed, changes };
}

/**
 * Re-scores every account of a chunk with `scorecard` (an admin's re-score of all accounts with
 * the active scorecard, issue 18 §1), as of `asOf` (the pipeline watermark when it was asked
 * for) or the account's own latest evaluation when that is later, so a score never steps back in
 * time. Activity counts end at the last closed day, as at an event's evaluation point. An account
 * never scored yet is left as it is. A change is published only when material (`isMaterialChange`)
 * or when the signals moved, with cause `rescore`. Pure; the accounts given are not changed unless
 * `options.consumesPrevious`.
 */
export function rescoreAccounts(
  accounts: ReadonlyMap<string, StoredAccount>,
  asOf: string,
  scorecard: Scorecard,
  options: Pick<ApplyOptions, 'consumesPrevious'> = {},
): { accounts: Map<string, StoredAccount>; changes: ScoreChanged[] } {
  const rescored = new Map<string, StoredAccount>();
  const changes: ScoreChanged[] = [];
  for (const [accountId, previous] of accounts) {
    if (previous.snapshot === null) {
      rescored.set(accountId, previous);
      continue;
    }
    const working: StoredAccount = { ...previous, state: options.consumesPrevious ? previous.state : structuredClone(previous.state) };
    const latest = previous.evaluatedAsOf !== null && previous.evaluatedAsOf > asOf ? previous.evaluatedAsOf : asOf;
    const latestDay = dayOf(latest);
    const lastClosedDay = dayOf(previous.closedThrough ?? dayStart(latestDay)) - 1;
    const firstDay = working.state.firstEventDay ?? latestDay;
    const volumeThroughDay = lastClosedDay < firstDay ? latestDay : Math.min(latestDay, lastClosedDay);
    const result = evaluate(accountId, working, working.state, latest, { kind: 'rescore' }, scorecard, volumeThroughDay);
    rescored.set(accountId, result.stored);
    if (result.change) changes.push(result.change);
  }
  return { accounts: rescored, changes };
}

/** Closes days in place on a working copy (its state is owned by the caller). */
function closeDays(accountId: string, working: StoredAccount, through: string, scorecards: Scorecards): { stored: StoredAccount; changes: ScoreChanged[] } {
  const changes: ScoreChanged[] = [];
  const lastDay = dayOf(through) - 1;
  let current = working;
  const firstDay = Math.max(dayOf(working.closedThrough ?? through), lastDay - MAX_DAYS_EVALUATED_PER_CLOSE + 1);
  for (let day = firstDay; day <= lastDay; day += 1) {
    const endOfDay = dayEnd(day);
    // A close advances the activity counts to the full day. When the account was already scored
    // later (a billing or support event that arrived before the day's telemetry was complete),
    // everything else stays as of that later time, so the score never steps back in time.
    const latest = current.evaluatedAsOf !== null && current.evaluatedAsOf > endOfDay ? current.evaluatedAsOf : endOfDay;
    const result = evaluate(accountId, current, current.state, latest, { kind: 'watermark' }, scorecardAt(scorecards, latest), day);
    current = result.stored;
    if (result.change) changes.push(result.change);
    rememberClosedSegment(current.state, day, current.snapshot?.segment ?? null);
  }
  return { stored: { ...current, closedThrough: through }, changes };
}

/**
 * The day boundary an event closes its account through (before it is applied): every day before
 * the event's own day when it is product telemetry (the account's usage has moved on), else
 * every day that ended at least a grace period before it (a signal, billing or CRM event arriving
 * while the account's activity is still in flight, as a late reporter's is, closes nothing early).
 */
function closingBoundary(type: string, eventMs: number, ownDay: number, gracePeriodMs: number): string {
  const graceBoundary = Math.floor((eventMs - gracePeriodMs) / DAY_MS);
  return dayStart(isProductTelemetry(type) ? Math.max(ownDay, graceBoundary) : graceBoundary);
}

/** Keeps the window of closed at-risk days that `stageOf` reads. */
function rememberClosedSegment(state: AccountState, day: number, segment: string | null): void {
  upgradeState(state);
  const kept = state.atRiskClosedDays.filter((atRiskDay) => atRiskDay > day - REACTIVATION_WINDOW_DAYS);
  if (segment === 'at_risk') kept.push(day);
  state.atRiskClosedDays = kept;
}

/** The closed-through boundary, for an account stored before it existed: its last evaluation's day. */
function closedThroughOf(stored: StoredAccount, fallback: string): string {
  if (stored.closedThrough) return stored.closedThrough;
  return stored.evaluatedAsOf ? dayStart(dayOf(stored.evaluatedAsOf)) : fallback;
}


/** One evaluation of the account as of `asOf`; `state` is the (already updated) working state. */
function evaluate(
  accountId: string,
  previous: StoredAccount | null,
  state: AccountState,
  asOf: string,
  cause: ScoreChanged['cause'],
  scorecard: Scorecard,
  volumeThroughDay: number,
): { stored: StoredAccount; change: ScoreChanged | null } {
  upgradeState(state);
  // The signals are derived once per evaluation: the score and the published signals read them.
  const derived = deriveSignals(state, dayOf(asOf), scorecard.signals, volumeThroughDay);
  const evaluation = evaluateAccount(state, asOf, scorecard, volumeThroughDay, derived);
  const before = previous?.snapshot ?? null;
  const signals = deriveAccountSignals(state, asOf, scorecard, volumeThroughDay, derived);
  // Expansion triggers (pricing views, gated attempts, usage near a limit…) often leave the score
  // where it was: a move of the signals the rules read is published too. The fingerprint of the
  // last evaluation is kept in the state, because the state is updated in place between points.
  // The churn is part of the fingerprint (only while it lasts, so other accounts' fingerprints
  // stay as stored): `account.churned` and the reactivation publish a change though the score
  // stays put, and alerting learns of both.
  // A late event is re-scored as of its own (earlier) time, but the account's churn is a fact of
  // its present: judge it as of the latest time the account was evaluated, so a pre-churn event
  // arriving after the churn does not publish a change that reads as a live customer again.
  const churnedAt = churnedAsOf(state, previous?.evaluatedAsOf && previous.evaluatedAsOf > asOf ? previous.evaluatedAsOf : asOf);
  const fingerprint = signalFingerprint(signals) + (churnedAt === null ? '' : `|churned:${churnedAt}`);
  const signalsMoved = state.lastSignalsFingerprint !== null && state.lastSignalsFingerprint !== fingerprint;
  state.lastSignalsFingerprint = fingerprint;
  const closedThrough = previous?.closedThrough ?? null;
  if (!isMaterialChange(before, evaluation.snapshot, scorecard) && !signalsMoved) {
    return { stored: { state, snapshot: before, drivers: previous?.drivers ?? null, sequence: previous?.sequence ?? 0, evaluatedAsOf: asOf, closedThrough }, change: null };
  }
  const sequence = (previous?.sequence ?? 0) + 1;
  const change: ScoreChanged = {
    schemaVersion: 1,
    accountId,
    changeId: `${accountId}:${sequence}`,
    sequence,
    eventTime: asOf,
    cause,
    before,
    after: evaluation.snapshot,
    drivers: evaluation.drivers,
    reasons: reasonsForChange(previous?.drivers ?? null, evaluation),
    scorecardVersion: evaluation.scorecardVersion,
    account: {
      ...(state.attributes.csmId ? { csmId: state.attributes.csmId } : {}),
      ...(state.attributes.mrr !== undefined ? { mrr: state.attributes.mrr } : {}),
      ...(state.attributes.plan ? { plan: state.attributes.plan } : {}),
      ...(churnedAt !== null ? { churnedAt } : {}),
    },
    signals,
  };
  return { stored: { state, snapshot: evaluation.snapshot, drivers: evaluation.drivers, sequence, evaluatedAsOf: asOf, closedThrough }, change };
}

/**
 * The signal values alert rules compare with thresholds, coarsened so that noise does not publish:
 * counts capped at 10, ratios in tenths. Two evaluations with the same fingerprint raise and clear
 * the same alerts.
 */
export function signalFingerprint(signals: AccountSignals): string {
  const cap = (value: number) => Math.min(10, value);
  const tenths = (ratio: number) => Math.floor(Math.min(2, ratio) * 10);
  return JSON.stringify([
    cap(signals.gatedAttempts14),
    cap(signals.pricingViews7),
    signals.usage.map((usage) => `${usage.metric}:${tenths(usage.ratio)}`).sort(),
    signals.activeUsers.seats ? tenths(signals.activeUsers.last30 / signals.activeUsers.seats) : null,
    // Only while a seat cut is recent, so fingerprints stored before it stay as they were.
    ...(signals.activeUsers.seatsReducedAt ? [`cut:${signals.activeUsers.seatsReducedAt}:${cap(signals.activeUsers.sinceSeatsReduced ?? 0)}`] : []),
    cap(signals.support.tickets7),
    cap(signals.support.escalations30),
    signals.support.topTopic ? cap(signals.support.topTopic.count30) : 0,
    signals.nps?.at ?? null,
    signals.billing.trouble,
    signals.features.contracted.length,
    cap(signals.engagement.emailOpens30),
    cap(signals.engagement.eventsAttended30),
    // Appended for the long-horizon rules (issue 15): the usage level in tenths, and the champion
    // with their absence in weeks (so a day more of it does not publish).
    signals.usageLevel ? tenths(Math.min(1, signals.usageLevel.ratio)) : null,
    signals.champion ? `${signals.champion.userId}:${Math.min(8, Math.floor(signals.champion.daysSinceSeen / 7))}` : null,
    (signals.keyFeatureOwnersLost ?? []).map((loss) => `${loss.feature}:${loss.userId}:${Math.min(8, Math.floor(loss.daysSinceSeen / 7))}`),
  ]);
}
