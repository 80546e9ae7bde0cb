import { pricingPageInterestRule } from './pricing-page-interest.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'pricing_page_interest', category: 'expansion', severity: 'medium', autoResolve: false, params: { minViews: 3 } });
const evaluate = (pricingViews7: number) => pricingPageInterestRule.evaluate({ change: signalChange({ pricingViews7 }), history: [] }, config);

describe('pricing_page_interest', () => {
  it('fires at 3 pricing page views in 7 days', () => {
    expect(evaluate(3)).toEqual({
      state: 'firing',
      evidence: [
        'why now: 3 pricing/upgrade page views in the 7 days 2026-02-24 – 2026-03-02 (threshold 3)',
        'the account is comparing plans — offer a consultative conversation about what they need',
      ],
    });
  });

  it('clears at 2', () => {
    expect(evaluate(2)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(pricingPageInterestRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
