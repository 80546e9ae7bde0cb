import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';
import { usageDeclinedLongRule } from './usage-declined-long.rule';

const config = ruleConfig({ id: 'usage_declined_long', severity: 'medium', params: { maxRatio: 0.8, highRatio: 0.5, minWeeklyLevel: 10 } });
const evaluate = (current: number, reference: number) =>
  usageDeclinedLongRule.evaluate({ change: signalChange({ usageLevel: { current, reference, ratio: current / reference } }), history: [] }, config);

describe('usage_declined_long', () => {
  it('fires at 80% of the 90-day level, naming both levels', () => {
    expect(evaluate(40, 50)).toEqual({
      state: 'firing',
      evidence: ['usage is 80% of its 90-day level: 40 events in its best week of the last 4 vs 50 a week at its best 4 weeks of the last 90 days (alert at 80% or lower)'],
    });
  });

  it('clears just above it, and for accounts too quiet to tell', () => {
    expect(evaluate(40.5, 50)?.state).toBe('clear');
    expect(evaluate(2, 9.9)?.state).toBe('clear');
    expect(evaluate(2, 10)?.state).toBe('firing');
  });

  it('is high at half the level or below', () => {
    expect(evaluate(25, 50)?.severity).toBe('high');
    expect(evaluate(26, 50)?.severity).toBeUndefined();
  });

  it('has no opinion without the signal: older changes, or too little history', () => {
    expect(usageDeclinedLongRule.evaluate({ change: signalChange({ usageLevel: null }), history: [] }, config)).toBeNull();
    const older = signalChange();
    const { usageLevel: _omitted, ...withoutField } = older.signals ?? signalChange().signals!;
    expect(usageDeclinedLongRule.evaluate({ change: { ...older, signals: withoutField as typeof older.signals }, history: [] }, config)).toBeNull();
    expect(usageDeclinedLongRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
