import { businessGrowthRule } from './business-growth.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'business_growth', category: 'expansion', severity: 'medium', autoResolve: false, params: { growth: 0.2, minPreviousUsers: 5 } });
const evaluate = (thisPeriod: number, previousPeriod: number) =>
  businessGrowthRule.evaluate({ change: signalChange({ activeUsers: { thisPeriod, previousPeriod, periodStart: '2026-02-06' } }), history: [] }, config);

describe('business_growth', () => {
  it('fires at +20% active users month over month', () => {
    expect(evaluate(12, 10)).toEqual({
      state: 'firing',
      evidence: [
        'why now: 12 active users from 2026-02-06 to 2026-03-02 vs 10 in 2026-01-07 – 2026-02-05 (+20%) (threshold +20%, at least 5 before)',
        'the customer’s team is growing month over month — plan the seats and tier they will need',
      ],
    });
  });

  it('clears just below +20%', () => {
    expect(evaluate(119, 100)?.state).toBe('clear');
    expect(evaluate(120, 100)?.state).toBe('firing');
  });

  it('needs a minimum base', () => {
    expect(evaluate(8, 4)?.state).toBe('clear');
    expect(evaluate(6, 5)?.state).toBe('firing');
    expect(evaluate(3, 0)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(businessGrowthRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
