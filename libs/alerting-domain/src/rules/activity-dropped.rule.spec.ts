import { activityDroppedRule } from './activity-dropped.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'activity_dropped', severity: 'high', params: { maxTrend: 0.5, minWeeklyBaseline: 5 } });
const evaluate = (last7: number, weeklyBaseline: number | null, trend: number | null = weeklyBaseline ? last7 / weeklyBaseline : null) =>
  activityDroppedRule.evaluate({ change: signalChange({ activity: { last7, weeklyBaseline, trend } }), history: [] }, config);

describe('activity_dropped', () => {
  it('fires when activity is at half the baseline', () => {
    expect(evaluate(20, 40)).toEqual({
      state: 'firing',
      evidence: ['20 activity events in the 7 days 2026-02-24 – 2026-03-02 vs a weekly baseline of 40 (−50%; alert at −50% or lower)'],
    });
  });

  it('clears just above half', () => {
    expect(evaluate(21, 40)?.state).toBe('clear');
  });

  it('clears for accounts too quiet to tell', () => {
    expect(evaluate(0, 4.9)?.state).toBe('clear');
    expect(evaluate(0, 5)?.state).toBe('firing');
  });

  it('has no opinion without a baseline or without signals', () => {
    expect(evaluate(10, null)).toBeNull();
    expect(activityDroppedRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
