import type { ScoreChanged, TelemetryEvent } from '@bellwether/contracts';
import { applyTimedAccountEvents, type ApplyOptions, type StoredAccount } from './account-scoring';
import type { Scorecards } from './scorecard-timeline';
import { eventTimeOf, timedEventOf, type TimedEvent } from './time';

/**
 * The first copy of each event id, in batch order: the events a batch tries to claim. A later
 * copy of the same id within the batch is a redelivery (an ingestion retry can put one event in
 * Kafka twice) and counts as one in `applyEventBatch`.
 */
export function firstCopies(events: readonly TelemetryEvent[]): TelemetryEvent[] {
  const seen = new Set<string>();
  const first: TelemetryEvent[] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    first.push(event);
  }
  return first;
}

/**
 * The accounts whose events the batch claimed (`claimed`: the ids seen for the first time), each
 * once, in order of its first such event: the accounts to load and lock before `applyEventBatch`.
 */
export function claimedAccountIds(events: readonly TelemetryEvent[], claimed: ReadonlySet<string>): string[] {
  return [...new Set(firstCopies(events).filter((event) => claimed.has(event.id)).map((event) => event.accountId))];
}

/** An event recorded (its id claimed) but not scored, and why. */
export interface DroppedEvent {
  /** Its position in the batch's `events` (the first copy of its id). */
  readonly index: number;
  readonly eventId: string;
  /** For the record's `drop` result and the log. */
  readonly reason: string;
}

/** What one partition batch of events gave, for the consumer to store, publish and count. */
export interface EventBatchOutcome {
  /** Each account with claimed events, as it is to be stored, in order of its first claimed event. */
  readonly accounts: ReadonlyMap<string, StoredAccount>;
  /** The score changes to publish: per account in sequence order, accounts as in `accounts`. */
  readonly changes: readonly ScoreChanged[];
  /** Events claimed by this batch (applied for the first time), those beyond lateness included. */
  readonly fresh: number;
  /** Copies of an id already claimed, by an earlier batch or earlier in this one: skipped. */
  readonly redelivered: number;
  /** Claimed events in a day their account had already closed, re-scored as of their own time. */
  readonly late: number;
  /** Claimed events more than `allowedLatenessDays` behind their account's newest event: not scored. */
  readonly dropped: readonly DroppedEvent[];
  /**
   * The newest event time of the batch (canonical ISO-8601), redeliveries included: the
   * partition's watermark is a function of its log alone. Null for an empty batch.
   */
  readonly newestEventTime: string | null;
  /** Every account of the batch, each once, redeliveries included (their cached views are dropped). */
  readonly accountIds: readonly string[];
}

/**
 * Triages one partition batch of the events topic and applies it: later copies of an id within
 * the batch and ids not in `claimed` are redeliveries and skipped; each account's claimed events
 * are applied in partition order to its stored state (`applyAccountEvents`: days closed, late
 * events re-scored as of their own time, events beyond `options.allowedLatenessDays` recorded but
 * not scored, each with a drop reason). `stored` holds the accounts locked for the batch (absent:
 * a new account) and is not changed unless `options.consumesPrevious`. Pure otherwise: the same
 * inputs give the same outcome.
 */
export function applyEventBatch(
  events: readonly TelemetryEvent[],
  claimed: ReadonlySet<string>,
  stored: ReadonlyMap<string, StoredAccount>,
  scorecards: Scorecards,
  options: ApplyOptions,
): EventBatchOutcome {
  const seen = new Set<string>();
  const byAccount = new Map<string, { timed: TimedEvent; index: number }[]>();
  let redelivered = 0;
  // Each event's time is parsed once, here: for the newest event time and for its account.
  let newest: string | null = null;
  events.forEach((event, index) => {
    const timed = timedEventOf(event);
    if (newest === null || timed.time > newest) newest = timed.time;
    const firstCopy = !seen.has(event.id);
    seen.add(event.id);
    if (!firstCopy || !claimed.has(event.id)) {
      redelivered += 1;
      return;
    }
    const group = byAccount.get(event.accountId) ?? [];
    group.push({ timed, index });
    byAccount.set(event.accountId, group);
  });
  const accounts = new Map<string, StoredAccount>();
  const changes: ScoreChanged[] = [];
  const dropped: DroppedEvent[] = [];
  let fresh = 0;
  let late = 0;
  for (const [accountId, group] of byAccount) {
    const result = applyTimedAccountEvents(accountId, stored.get(accountId) ?? null, group.map(({ timed }) => timed), scorecards, options);
    accounts.set(accountId, result.stored);
    changes.push(...result.changes);
    fresh += group.length;
    late += result.late;
    const beyond = new Set(result.beyondLateness);
    for (const { timed: { event }, index } of group) {
      if (!beyond.has(event.id)) continue;
      dropped.push({
        index,
        eventId: event.id,
        reason: `event time ${event.timestamp} is more than ${options.allowedLatenessDays} days behind the account's newest event: outside every scoring window`,
      });
    }
  }
  return { accounts, changes, fresh, redelivered, late, dropped, newestEventTime: newest, accountIds: [...new Set(events.map((event) => event.accountId))] };
}

/** The newest event time among `events` (canonical ISO-8601), or null when there are none. */
export function newestEventTime(events: readonly TelemetryEvent[]): string | null {
  return events.reduce<string | null>((max, event) => {
    const time = eventTimeOf(event);
    return max === null || time > max ? time : max;
  }, null);
}
