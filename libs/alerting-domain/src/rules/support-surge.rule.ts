import { atLeast, formatNumber, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { windowText } from '../time.util';

/**
 * Risk: support tickets in the last 7 days at least `multiple` × the weekly baseline (the 28 days
 * before), and at least `minTickets` of them. A zero baseline is a surge once `minTickets` arrive.
 * Without a baseline (< 14 days of history) the rule has no opinion.
 */
export const supportSurgeRule = signalRule('support_surge', ['multiple', 'minTickets'], (signals, change, config) => {
  const { tickets7, weeklyBaseline } = signals.support;
  if (weeklyBaseline === null) return null;
  const multiple = param(config.params, 'multiple', 3);
  const minTickets = param(config.params, 'minTickets', 3);
  const line =
    `${tickets7} support tickets in ${windowText(change.eventTime, 7)} vs a weekly baseline of ${formatNumber(weeklyBaseline)} ` +
    `(threshold ${formatNumber(multiple)}× and at least ${minTickets})`;
  if (tickets7 < minTickets || !atLeast(tickets7, multiple * weeklyBaseline)) return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [line] };
});
