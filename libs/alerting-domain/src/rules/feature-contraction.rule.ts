import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { addDays, isoDate } from '../time.util';

/**
 * Risk: at least `minFeatures` key features the account used 31–60 days ago and not in the last
 * 30 (it stopped using them). Clears when they come back or age out of the 60-day window.
 */
export const featureContractionRule = signalRule('feature_contraction', ['minFeatures'], (signals, change, config) => {
  const { contracted, keyUsed30, keyConfigured } = signals.features;
  const minFeatures = param(config.params, 'minFeatures', 1);
  const usage = `${keyUsed30} of ${keyConfigured} key features used in the 30 days to ${isoDate(change.eventTime)}`;
  if (contracted.length < minFeatures || contracted.length === 0) return { state: 'clear', evidence: [usage] };
  const window = `${addDays(change.eventTime, -59)} – ${addDays(change.eventTime, -30)}`;
  return { state: 'firing', evidence: [`key features no longer used: ${contracted.join(', ')} (used ${window}, not since)`, usage] };
});
