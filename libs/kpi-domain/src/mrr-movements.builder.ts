import { DAY_MS } from '@bellwether/contracts';
import { toMillis } from '@bellwether/playbook-domain';
import { assertNonNegative, compareStrings } from './kpi-math.util';

/**
 * One revenue fact of an account from the events topic, in event time. `id` is the event id (the
 * tie-break between facts with the same event time, so the result never depends on arrival
 * order). `subscription`: a `subscription.changed` with its `mrr`, the subscription's MRR level.
 * `expanded` / `contracted`: an `account.expanded` / `account.contracted` with its `mrrDelta`; the
 * direction comes from the type, so the sign of `delta` is ignored (a contraction's `-300` and
 * `300` are the same). `churned`: an `account.churned`.
 */
export type RevenueEntry =
  | { readonly id: string; readonly at: string; readonly kind: 'subscription'; readonly mrr: number }
  | { readonly id: string; readonly at: string; readonly kind: 'expanded' | 'contracted'; readonly delta: number }
  | { readonly id: string; readonly at: string; readonly kind: 'churned' };

/**
 * How far apart in event time a delta event (`account.expanded` / `account.contracted`) and a
 * `subscription.changed` may be and still describe the same MRR movement, in days (either side).
 * Billing systems send the subscription at once; a CRM's expansion or contraction record can
 * follow, or precede, by days.
 */
export const MRR_RECONCILIATION_WINDOW_DAYS = 7;

/** One change of an account's MRR, counted once. Money is MRR per month, ≥ 0. */
export interface MrrMovement {
  /** Event time of the event that moved the MRR (ISO-8601, as given). */
  readonly at: string;
  /** Id of that event. */
  readonly eventId: string;
  /** Kind of that event. */
  readonly kind: RevenueEntry['kind'];
  readonly from: number;
  readonly to: number;
  /**
   * A churn: an `account.churned`, or a `subscription.changed` to 0 that an `account.churned`
   * within the window after it confirms. Otherwise `to > from` is expansion (new business when
   * `from` is 0) and `to < from` contraction.
   */
  readonly churn: boolean;
}

/** An event that moved nothing because it describes a movement another event already counts. */
export interface ReconciledEntry {
  readonly eventId: string;
  /** The `subscription.changed` that counts the movement. */
  readonly against: string;
}

export interface MrrLedger {
  /** In event order (time, then event id). */
  readonly movements: readonly MrrMovement[];
  readonly reconciled: readonly ReconciledEntry[];
}

/**
 * The MRR movements of one account's revenue log: each movement counted once, whichever events
 * describe it and in whatever order they arrived. The subscription's MRR level is the source of
 * truth; delta events are reconciled against it. The rule (also in the README and
 * docs/asyncapi.yaml), with W = `windowDays`:
 *
 * 1. Order: event time, then event id. Nothing else: the same set of events gives the same
 *    movements however it was delivered, batched or redelivered (the caller stores facts once per
 *    event id).
 * 2. `subscription.changed` sets the MRR to its `mrr` (negative counts as 0); the difference from
 *    the MRR before it is the movement, dated at its event time.
 * 3. An `account.expanded` / `account.contracted` is the same movement as a level change, and
 *    moves nothing, when a `subscription.changed` within W of it moves the MRR in its direction:
 *    before it, one whose movement went that way; after it, one whose `mrr` lies that way from
 *    the MRR just before the delta. The level's amount counts, not the delta's.
 * 4. Any other delta moves the MRR by |mrrDelta| in its direction (not below 0) at its own time; a
 *    later `subscription.changed` then sets the level again from there.
 * 5. `account.churned` takes the MRR to 0 as a churn. When the MRR is already 0 because a
 *    `subscription.changed` within W before took it there, that drop becomes the churn (churned
 *    MRR, not contraction); a churn with nothing to take moves nothing.
 *
 * Throws RangeError for an unparseable time or a negative window.
 */
export function mrrMovements(revenue: readonly RevenueEntry[], windowDays: number = MRR_RECONCILIATION_WINDOW_DAYS): MrrLedger {
  assertNonNegative(windowDays, 'windowDays');
  const windowMs = windowDays * DAY_MS;
  const log = revenue.map((entry) => ({ entry, ms: toMillis(entry.at) })).sort((a, b) => a.ms - b.ms || compareStrings(a.entry.id, b.entry.id));
  const movements: MrrMovement[] = [];
  const reconciled: ReconciledEntry[] = [];
  let mrr = 0;
  const move = (entry: RevenueEntry, to: number, churn: boolean): void => {
    if (to !== mrr) movements.push({ at: entry.at, eventId: entry.id, kind: entry.kind, from: mrr, to, churn });
    mrr = to;
  };
  log.forEach(({ entry, ms }, index) => {
    if (entry.kind === 'subscription') return move(entry, Math.max(0, entry.mrr), false);
    if (entry.kind === 'churned') {
      if (mrr > 0) return move(entry, 0, true);
      const last = movements[movements.length - 1];
      if (last !== undefined && last.kind === 'subscription' && last.to === 0 && !last.churn && ms - toMillis(last.at) <= windowMs) {
        movements[movements.length - 1] = { ...last, churn: true };
        reconciled.push({ eventId: entry.id, against: last.eventId });
      }
      return;
    }
    const direction = entry.kind === 'expanded' ? 1 : -1;
    const against = confirmingLevel(log, index, direction, mrr, movements, windowMs);
    if (against !== null) {
      reconciled.push({ eventId: entry.id, against });
      return;
    }
    move(entry, Math.max(0, mrr + direction * Math.abs(entry.delta)), false);
  });
  return { movements, reconciled };
}

/**
 * The last instant a revenue fact can have and still change the movements of a period ending at
 * `periodEnd`: a `subscription.changed` up to W after the end reconciles a delta inside the
 * period (rule 3), so a reader needs the facts before `periodEnd` + W, not only those before the
 * end. Exclusive, ISO-8601.
 */
export function revenueReadUntil(periodEnd: string, windowDays: number = MRR_RECONCILIATION_WINDOW_DAYS): string {
  assertNonNegative(windowDays, 'windowDays');
  return new Date(toMillis(periodEnd) + windowDays * DAY_MS).toISOString();
}

/**
 * Rule 3: the id of the `subscription.changed` that already counts the delta at `log[index]`
 * (direction +1 expanded, −1 contracted, the MRR just before it `mrr`), the nearest in time
 * within the window (the earlier on a tie), or null when there is none.
 */
function confirmingLevel(
  log: readonly { readonly entry: RevenueEntry; readonly ms: number }[],
  index: number,
  direction: 1 | -1,
  mrr: number,
  movements: readonly MrrMovement[],
  windowMs: number,
): string | null {
  const ms = log[index].ms;
  let before: { id: string; distance: number } | null = null;
  for (let k = movements.length - 1; k >= 0; k -= 1) {
    const movement = movements[k];
    const distance = ms - toMillis(movement.at);
    if (distance > windowMs) break;
    if (movement.kind === 'subscription' && Math.sign(movement.to - movement.from) === direction) {
      before = { id: movement.eventId, distance };
      break;
    }
  }
  for (let k = index + 1; k < log.length; k += 1) {
    const { entry, ms: at } = log[k];
    const distance = at - ms;
    if (distance > windowMs || (before !== null && distance >= before.distance)) break;
    if (entry.kind === 'subscription' && Math.sign(Math.max(0, entry.mrr) - mrr) === direction) return entry.id;
  }
  return before?.id ?? null;
}
