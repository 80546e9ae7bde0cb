import { atLeast, formatPercent, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { windowText } from './time.util';

/**
 * Expansion: distinct users active in the last 30 days fill at least `ratio` (default 90%) of the
 * licensed seats. No opinion when the seats are unknown.
 */
export const seatLimitNearRule = signalRule('seat_limit_near', ['ratio'], (signals, change, config) => {
  const { last30, seats } = signals.activeUsers;
  if (seats === null || seats <= 0) return null;
  const threshold = param(config.params, 'ratio', 0.9);
  const used = last30 / seats;
  const line = `${last30} of ${seats} seats (${formatPercent(used)}) used by distinct users in ${windowText(change.eventTime, 30)} (threshold ${formatPercent(threshold)})`;
  if (!atLeast(used, threshold)) return { state: 'clear', evidence: [line] };
  const plan = signals.contract.plan ? ` on the ${signals.contract.plan} plan` : '';
  return { state: 'firing', evidence: [`why now: ${line}`, `the team is about to outgrow its seats${plan} — propose more seats before users are turned away`] };
});
