import { atLeast, formatNumber, formatPercent, param } from './evidence.util';
import { signalRule } from './signal-rule.util';

/**
 * Risk: a slow decline. Usage at or below `maxRatio` (default 0.8) of the account's own 90-day
 * level (`signals.usageLevel`): the best week of the last 4 against the best 4 weeks of the last
 * 90 days. The 4-week baseline of `activity_dropped` follows a slow slide down; this level does not.
 * Taking the best week of 4 means an absence of up to 3 weeks (a holiday) never fires it. High at
 * or below `highRatio` (default 0.5). Accounts whose level is below `minWeeklyLevel` events a week
 * are too quiet to tell; without the signal (older changes, less than 6 weeks of history) the rule
 * has no opinion.
 */
export const usageDeclinedLongRule = signalRule('usage_declined_long', ['maxRatio', 'highRatio', 'minWeeklyLevel'], (signals, _change, config) => {
  const level = signals.usageLevel;
  if (!level) return null;
  const maxRatio = param(config.params, 'maxRatio', 0.8);
  const highRatio = param(config.params, 'highRatio', 0.5);
  const minLevel = param(config.params, 'minWeeklyLevel', 10);
  const line =
    `usage is ${formatPercent(level.ratio)} of its 90-day level: ${formatNumber(level.current)} events in its best week of the last 4 ` +
    `vs ${formatNumber(level.reference)} a week at its best 4 weeks of the last 90 days (alert at ${formatPercent(maxRatio)} or lower)`;
  if (level.reference < minLevel || !atLeast(maxRatio, level.ratio)) return { state: 'clear', evidence: [line] };
  return atLeast(highRatio, level.ratio) ? { state: 'firing', evidence: [line], severity: 'high' } : { state: 'firing', evidence: [line] };
});
