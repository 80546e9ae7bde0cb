import { formatHealth, param } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import { signalRule } from './signal-rule.util';

/**
 * Expansion: the renewal is `fromDays`–`toDays` days away (default 60–90, inclusive) and health
 * is green: the moment for the expansion conversation, before the renewal proposal. No opinion
 * without a renewal date, or on a snapshot with insufficient data.
 */
export const renewalExpansionRule = signalRule('renewal_expansion', ['fromDays', 'toDays'], (signals, change, config) => {
  const { renewalInDays, renewalDate } = signals.contract;
  if (renewalInDays === null || renewalDate === null || scoresLackData(change)) return null;
  const fromDays = param(config.params, 'fromDays', 60);
  const toDays = param(config.params, 'toDays', 90);
  const { band, health } = change.after;
  const line = `renewal on ${renewalDate}, in ${renewalInDays} days (window ${fromDays}–${toDays}), with ${band} health ${formatHealth(health)}`;
  if (renewalInDays < fromDays || renewalInDays > toDays || band !== 'green') return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [`why now: ${line}`, 'a healthy account near renewal — open the expansion conversation before the renewal proposal'] };
});
