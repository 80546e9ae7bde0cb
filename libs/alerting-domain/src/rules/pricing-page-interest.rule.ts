import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { windowText } from '../time.util';

/** Expansion: at least `minViews` (default 3) pricing/upgrade page views in 7 days. */
export const pricingPageInterestRule = signalRule('pricing_page_interest', ['minViews'], (signals, change, config) => {
  const minViews = param(config.params, 'minViews', 3);
  const line = `${signals.pricingViews7} pricing/upgrade page views in ${windowText(change.eventTime, 7)} (threshold ${minViews})`;
  if (signals.pricingViews7 < minViews) return { state: 'clear', evidence: [line] };
  return { state: 'firing', evidence: [`why now: ${line}`, 'the account is comparing plans — offer a consultative conversation about what they need'] };
});
