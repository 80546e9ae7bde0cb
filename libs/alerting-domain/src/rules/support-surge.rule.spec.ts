import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';
import { supportSurgeRule } from './support-surge.rule';

const config = ruleConfig({ id: 'support_surge', severity: 'high', params: { multiple: 3, minTickets: 3 } });
const evaluate = (tickets7: number, weeklyBaseline: number | null) =>
  supportSurgeRule.evaluate({ change: signalChange({ support: { tickets7, weeklyBaseline } }), history: [] }, config);

describe('support_surge', () => {
  it('fires at exactly 3× the weekly baseline', () => {
    expect(evaluate(6, 2)).toEqual({
      state: 'firing',
      evidence: ['6 support tickets in the 7 days 2026-02-24 – 2026-03-02 vs a weekly baseline of 2 (threshold 3× and at least 3)'],
    });
  });

  it('clears just below 3×', () => {
    expect(evaluate(5, 2)?.state).toBe('clear');
  });

  it('needs the minimum count even from a zero baseline', () => {
    expect(evaluate(2, 0)?.state).toBe('clear');
    expect(evaluate(3, 0)?.state).toBe('firing');
    expect(evaluate(3, 1)?.state).toBe('firing');
    expect(evaluate(3, 1.0001)?.state).toBe('clear');
  });

  it('has no opinion without a baseline or without signals', () => {
    expect(evaluate(10, null)).toBeNull();
    expect(supportSurgeRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
