import { atLeast, formatPercent, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { daysBetween, windowText } from '../time.util';

/**
 * Expansion: distinct users active in the last 30 days fill at least `ratio` (default 90%) of the
 * licensed seats. No opinion when the seats are unknown.
 *
 * After a seat cut (`activeUsers.seatsReducedAt`, within 30 days), users active only before it
 * may be the ones who left, so only users active since the cut count (`sinceSeatsReduced`), and
 * the rule is clear until `minDaysSinceSeatCut` days (default 14) have passed since it: a
 * customer who just bought fewer seats is not proposed more on the strength of people it let go,
 * and a proposal already open resolves (the rule auto-resolves, see rule-config.ts).
 */
export const seatLimitNearRule = signalRule('seat_limit_near', ['ratio', 'minDaysSinceSeatCut'], (signals, change, config) => {
  const { last30, seats, seatsReducedAt, sinceSeatsReduced } = signals.activeUsers;
  if (seats === null || seats <= 0) return null;
  const threshold = param(config.params, 'ratio', 0.9);
  const cutDaysAgo = seatsReducedAt ? daysBetween(seatsReducedAt, change.eventTime) : null;
  const waitDays = param(config.params, 'minDaysSinceSeatCut', 14);
  if (seatsReducedAt && cutDaysAgo !== null && cutDaysAgo < waitDays) {
    return { state: 'clear', evidence: [`seats cut to ${seats} on ${seatsReducedAt}: no seat proposal for ${waitDays} days after a cut`] };
  }
  const cut = cutDaysAgo !== null && seatsReducedAt ? { at: seatsReducedAt, users: sinceSeatsReduced ?? last30 } : null;
  const users = cut ? cut.users : last30;
  const used = users / seats;
  const window = cut ? `since the seat cut on ${cut.at}` : `in ${windowText(change.eventTime, 30)}`;
  const line = `${users} of ${seats} seats (${formatPercent(used)}) used by distinct users ${window} (threshold ${formatPercent(threshold)})`;
  if (!atLeast(used, threshold)) return { state: 'clear', evidence: [line] };
  const plan = signals.contract.plan ? ` on the ${signals.contract.plan} plan` : '';
  return { state: 'firing', evidence: [`why now: ${line}`, `the team is about to outgrow its seats${plan} — propose more seats before users are turned away`] };
});
