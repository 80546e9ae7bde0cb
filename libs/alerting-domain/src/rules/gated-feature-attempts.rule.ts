import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { windowText } from '../time.util';

/** Expansion: at least `minAttempts` (default 3) attempts at gated features in 14 days. */
export const gatedFeatureAttemptsRule = signalRule('gated_feature_attempts', ['minAttempts'], (signals, change, config) => {
  const minAttempts = param(config.params, 'minAttempts', 3);
  const features = signals.gatedFeatures14.length > 0 ? ` (${signals.gatedFeatures14.join(', ')})` : '';
  const line = `${signals.gatedAttempts14} attempts at gated features${features} in ${windowText(change.eventTime, 14)} (threshold ${minAttempts})`;
  if (signals.gatedAttempts14 < minAttempts) return { state: 'clear', evidence: [line] };
  const plan = signals.contract.plan ? `the ${signals.contract.plan} plan lacks` : 'their plan lacks';
  return { state: 'firing', evidence: [`why now: ${line}`, `users keep reaching for what ${plan} — show the plan that includes it`] };
});
