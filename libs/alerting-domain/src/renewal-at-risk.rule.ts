import { formatHealth, param } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import { signalRule } from './signal-rule.util';

/**
 * Risk: the renewal date is within `withinDays` days (today included) and health is not green.
 * No opinion on a snapshot with insufficient data.
 */
export const renewalAtRiskRule = signalRule('renewal_at_risk', ['withinDays'], (signals, change, config) => {
  const { renewalInDays, renewalDate } = signals.contract;
  if (renewalInDays === null || renewalDate === null || scoresLackData(change)) return null;
  const withinDays = param(config.params, 'withinDays', 90);
  const { band, health } = change.after;
  const line = `renewal on ${renewalDate}, in ${renewalInDays} days, with ${band} health ${formatHealth(health)}`;
  if (renewalInDays < 0 || renewalInDays > withinDays || band === 'green') return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [line] };
});
