import { atLeast, formatNumber, formatPercent, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { daysBetween, isoDate } from '../time.util';

/**
 * Expansion: a usage metric's latest report, no older than `maxAgeDays` (default 30, today
 * included), at or above `ratio` (default 90%) of its plan limit. Every such metric is evidence.
 */
export const usageLimitNearRule = signalRule('usage_limit_near', ['ratio', 'maxAgeDays'], (signals, change, config) => {
  const threshold = param(config.params, 'ratio', 0.9);
  const maxAgeDays = param(config.params, 'maxAgeDays', 30);
  const fresh = signals.usage.filter((usage) => {
    const age = daysBetween(usage.at, change.eventTime);
    return age !== null && age >= 0 && age < maxAgeDays;
  });
  const near = fresh.filter((usage) => atLeast(usage.ratio, threshold));
  const describe = (usage: (typeof fresh)[number]) =>
    `${usage.metric} at ${formatNumber(usage.value)} of ${formatNumber(usage.limit)} (${formatPercent(usage.ratio)}) reported on ${usage.at}`;
  if (near.length === 0) {
    const top = fresh[0];
    return { state: 'clear', evidence: [top ? `highest usage: ${describe(top)} (threshold ${formatPercent(threshold)})` : `no usage against a limit reported in the ${maxAgeDays} days to ${isoDate(change.eventTime)}`] };
  }
  return {
    state: 'firing',
    evidence: [`why now: ${near.map(describe).join('; ')} (threshold ${formatPercent(threshold)})`, 'the account is about to hit its plan limit — propose the next tier before it blocks them'],
  };
});
