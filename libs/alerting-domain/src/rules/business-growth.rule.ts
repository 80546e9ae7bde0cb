import { atLeast, formatChange, formatPercent, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { addDays, isoDate } from '../time.util';

/**
 * Expansion: active users this 30-day period at least `growth` (default 20%) above the previous
 * period, which had at least `minPreviousUsers`. The current period's count only grows until it
 * ends, so growth seen mid-period is already certain.
 */
export const businessGrowthRule = signalRule('business_growth', ['growth', 'minPreviousUsers'], (signals, change, config) => {
  const { thisPeriod, previousPeriod, periodStart } = signals.activeUsers;
  const growth = param(config.params, 'growth', 0.2);
  const minPrevious = param(config.params, 'minPreviousUsers', 5);
  const ratio = previousPeriod > 0 ? thisPeriod / previousPeriod : 1;
  const line =
    `${thisPeriod} active users from ${periodStart} to ${isoDate(change.eventTime)} vs ${previousPeriod} in ${addDays(periodStart, -30)} – ${addDays(periodStart, -1)}` +
    `${previousPeriod > 0 ? ` (${formatChange(ratio)})` : ''} (threshold +${formatPercent(growth)}, at least ${minPrevious} before)`;
  if (previousPeriod < minPrevious || previousPeriod === 0 || !atLeast(ratio - 1, growth)) return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [`why now: ${line}`, 'the customer’s team is growing month over month — plan the seats and tier they will need'] };
});
