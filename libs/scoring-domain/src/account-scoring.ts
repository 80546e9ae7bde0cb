import type { AccountSignals, ScoreChanged, ScoreDriver, ScoreSnapshot, TelemetryEvent } from '@bellwether/contracts';
import { deriveAccountSignals } from './account-signals';
import { applyEvent, emptyAccountState, type AccountState } from './account-state';
import { isMaterialChange, reasonsForChange } from './score-change';
import type { Scorecard } from './scorecard';
import { evaluateAccount } from './scores';

/** What scoring keeps per account between batches. */
export interface StoredAccount {
  readonly state: AccountState;
  readonly snapshot: ScoreSnapshot | null;
  readonly drivers: readonly ScoreDriver[] | null;
  readonly sequence: number;
  /** Event time of the last evaluation; later evaluations never go back before it. */
  readonly evaluatedAsOf: string | null;
}

export interface AccountBatchResult {
  readonly stored: StoredAccount;
  /** The change to publish, or null when the score did not move materially. */
  readonly change: ScoreChanged | null;
}

/**
 * Applies one account's new events (already deduplicated) and re-scores it once, as of the
 * newest event time seen for the account. Pure: the same stored state and events give the
 * same result, whatever the wall clock says.
 */
export function scoreAccountBatch(
  accountId: string,
  previous: StoredAccount | null,
  events: readonly TelemetryEvent[],
  scorecard: Scorecard,
  /** The last day boundary the pipeline's watermark passed: an account is never scored as of earlier. */
  watermarkDay: string | null = null,
): AccountBatchResult {
  const state: AccountState = previous ? structuredClone(previous.state) : emptyAccountState(accountId);
  const ordered = [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id.localeCompare(b.id));
  for (const event of ordered) applyEvent(state, event, scorecard.signals);
  const newest = ordered[ordered.length - 1];
  if (!newest) return { stored: previous ?? { state, snapshot: null, drivers: null, sequence: 0, evaluatedAsOf: null }, change: null };
  // A late event updates the windows it belongs to, but the evaluation never moves back in time,
  // and never lags the watermark: an account whose events arrive after a day-roll is scored as
  // the roll would have scored it. So the final score does not depend on arrival order.
  const asOf = [newest.timestamp, previous?.evaluatedAsOf ?? '', watermarkDay ?? ''].reduce((latest, time) => (time > latest ? time : latest));
  return evaluate(accountId, previous, state, asOf, { kind: 'event', eventId: newest.id, eventType: newest.type }, scorecard);
}

/**
 * Re-scores an account with no new events, as of a later moment: the watermark passed a day
 * boundary, so windows moved and silence counts. Returns no change when the score did not move.
 */
export function rescoreAccount(accountId: string, previous: StoredAccount, asOf: string, scorecard: Scorecard): AccountBatchResult {
  if (previous.evaluatedAsOf && previous.evaluatedAsOf >= asOf) return { stored: previous, change: null };
  return evaluate(accountId, previous, previous.state, asOf, { kind: 'watermark' }, scorecard);
}

function evaluate(
  accountId: string,
  previous: StoredAccount | null,
  state: AccountState,
  asOf: string,
  cause: ScoreChanged['cause'],
  scorecard: Scorecard,
): AccountBatchResult {
  const evaluation = evaluateAccount(state, asOf, scorecard, previous?.snapshot ?? null);
  const before = previous?.snapshot ?? null;
  // Expansion triggers (pricing views, gated attempts, usage near a limit…) often leave the score
  // where it was: a move of the signals the rules read is published too.
  const signalsMoved =
    previous?.evaluatedAsOf != null &&
    signalFingerprint(deriveAccountSignals(previous.state, previous.evaluatedAsOf, scorecard)) !== signalFingerprint(deriveAccountSignals(state, asOf, scorecard));
  if (!isMaterialChange(before, evaluation.snapshot, scorecard) && !signalsMoved) {
    return { stored: { state, snapshot: before, drivers: previous?.drivers ?? null, sequence: previous?.sequence ?? 0, evaluatedAsOf: asOf }, change: null };
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
    },
    signals: deriveAccountSignals(state, asOf, scorecard),
  };
  return { stored: { state, snapshot: evaluation.snapshot, drivers: evaluation.drivers, sequence, evaluatedAsOf: asOf }, change };
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
    cap(signals.support.tickets7),
    cap(signals.support.escalations30),
    signals.support.topTopic ? cap(signals.support.topTopic.count30) : 0,
    signals.nps?.at ?? null,
    signals.billing.trouble,
    signals.features.contracted.length,
    cap(signals.engagement.emailOpens30),
    cap(signals.engagement.eventsAttended30),
  ]);
}
