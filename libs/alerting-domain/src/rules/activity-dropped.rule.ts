import { formatChange, formatNumber, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { windowText } from '../time.util';

/**
 * Risk: activity in the last 7 days at or below `maxTrend` (default 0.5: fell ≥ 50%) of the
 * account's own weekly baseline. Accounts whose baseline is below `minWeeklyBaseline` events are
 * too quiet to tell; without a baseline (< 14 days of history) the rule has no opinion.
 */
export const activityDroppedRule = signalRule('activity_dropped', ['maxTrend', 'minWeeklyBaseline'], (signals, change, config) => {
  const { last7, weeklyBaseline, trend } = signals.activity;
  if (weeklyBaseline === null || trend === null) return null;
  const maxTrend = param(config.params, 'maxTrend', 0.5);
  const minBaseline = param(config.params, 'minWeeklyBaseline', 5);
  const line =
    `${formatNumber(last7)} activity events in ${windowText(change.eventTime, 7)} vs a weekly baseline of ${formatNumber(weeklyBaseline)} ` +
    `(${formatChange(trend)}; alert at ${formatChange(maxTrend)} or lower)`;
  if (weeklyBaseline < minBaseline || trend > maxTrend + 1e-9) return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [line] };
});
