import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { addDays } from '../time.util';

/**
 * Risk: an account in onboarding with no new milestone for `stalledDays` days (default 14) —
 * counted from its last milestone, or from its start when it has none yet.
 */
export const onboardingStalledRule = signalRule('onboarding_stalled', ['stalledDays'], (signals, change, config) => {
  const { inOnboarding, completed, required, daysSinceLastMilestone, daysSinceStart } = signals.onboarding;
  const progress = `${completed} of ${required} onboarding milestones done`;
  if (!inOnboarding) return { state: 'clear', evidence: [`not onboarding (${progress})`] };
  const quietDays = daysSinceLastMilestone ?? daysSinceStart;
  if (quietDays === null) return null;
  const stalledDays = param(config.params, 'stalledDays', 14);
  const since =
    daysSinceLastMilestone !== null
      ? `no milestone for ${quietDays} days (last on ${addDays(change.eventTime, -quietDays)})`
      : `no milestone in the ${quietDays} days since the start on ${addDays(change.eventTime, -quietDays)}`;
  const line = `${progress}; ${since} (threshold ${stalledDays} days)`;
  return { state: quietDays >= stalledDays ? 'firing' : 'clear', evidence: [line] };
});
