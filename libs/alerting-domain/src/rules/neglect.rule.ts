import { formatNumber, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { addDays } from '../time.util';

/**
 * Risk: no CSM touchpoint for `days` days (default 45) on an account with ARR of at least
 * `minArrUsd` (default 50,000). An account never touched counts from the later of its contract
 * start and the day Bellwether first observed it (`csm.daysObserved`): an account whose history
 * begins today, on a contract signed 400 days ago, has been quiet for 0 days as far as anyone can
 * tell. No opinion when the ARR or the dates are unknown.
 */
export const neglectRule = signalRule('neglect', ['days', 'minArrUsd'], (signals, change, config) => {
  const { arrUsd } = signals.contract;
  const quietDays = signals.csm.daysSinceTouchpoint ?? untouchedDays(signals.onboarding.daysSinceStart, signals.csm.daysObserved ?? null);
  if (arrUsd === null || quietDays === null) return null;
  const days = param(config.params, 'days', 45);
  const minArr = param(config.params, 'minArrUsd', 50_000);
  const last = signals.csm.lastTouchpointAt ? `last on ${signals.csm.lastTouchpointAt}` : `none seen since ${addDays(change.eventTime, -quietDays)}`;
  const line = `no CSM touchpoint for ${quietDays} days (${last}) on an account of ${formatNumber(arrUsd)} USD ARR (alert at ${days} days and ${formatNumber(minArr)} USD)`;
  return { state: quietDays >= days && arrUsd >= minArr ? 'firing' : 'clear', evidence: [line] };
});

/** Days an account never touched has been quiet: since its start, but not before it was first observed. */
function untouchedDays(daysSinceStart: number | null, daysObserved: number | null): number | null {
  if (daysObserved === null) return daysSinceStart;
  return daysSinceStart === null ? daysObserved : Math.max(0, Math.min(daysSinceStart, daysObserved));
}
