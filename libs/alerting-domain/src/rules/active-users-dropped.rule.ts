import { atLeast, formatChange, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { addDays, windowText } from '../time.util';

/**
 * Risk: at least `dropShare` (default 30%) fewer active users than in the previous 30-day period,
 * when that period had at least `minPreviousUsers`. "Now" is the distinct users of the rolling
 * last 30 days — never fewer than the current period's, so a period that has just begun does not
 * read as a collapse; at the end of a period the two are the same.
 */
export const activeUsersDroppedRule = signalRule('active_users_dropped', ['dropShare', 'minPreviousUsers'], (signals, change, config) => {
  const { last30, previousPeriod, periodStart } = signals.activeUsers;
  const dropShare = param(config.params, 'dropShare', 0.3);
  const minPrevious = param(config.params, 'minPreviousUsers', 3);
  const previousWindow = `${addDays(periodStart, -30)} – ${addDays(periodStart, -1)}`;
  const ratio = previousPeriod > 0 ? last30 / previousPeriod : 1;
  const line = `${last30} active users in ${windowText(change.eventTime, 30)} vs ${previousPeriod} in the period ${previousWindow} (${formatChange(ratio)})`;
  if (previousPeriod < minPrevious || !atLeast(1 - ratio, dropShare)) return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [line] };
});
