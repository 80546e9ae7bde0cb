import { formatHealth, param } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import { signalRule } from './signal-rule.util';

/** The lowest green health (product.md: green ≥ 70). */
const GREEN_FLOOR = 70;

/**
 * Risk: the renewal date is within `withinDays` days (today included) and health is not green.
 * Clear margin: an active alert clears only once health is at least green's floor (70) plus
 * `clearMarginPoints` (default 0), or the renewal left the window; a wobble around 70 keeps it.
 * No opinion on a snapshot with insufficient data.
 */
export const renewalAtRiskRule = signalRule('renewal_at_risk', ['withinDays', 'clearMarginPoints'], (signals, change, config, input) => {
  const { renewalInDays, renewalDate } = signals.contract;
  if (renewalInDays === null || renewalDate === null || scoresLackData(change)) return null;
  const withinDays = param(config.params, 'withinDays', 90);
  const { band, health } = change.after;
  const line = `renewal on ${renewalDate}, in ${renewalInDays} days, with ${band} health ${formatHealth(health)}`;
  const healthy = band === 'green' && (!input.active || health >= GREEN_FLOOR + param(config.params, 'clearMarginPoints', 0));
  if (renewalInDays < 0 || renewalInDays > withinDays || healthy) return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [line] };
});
