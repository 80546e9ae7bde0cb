import { activeUsersDroppedRule } from './active-users-dropped.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'active_users_dropped', severity: 'high', params: { dropShare: 0.3, minPreviousUsers: 3 } });
const evaluate = (last30: number, previousPeriod: number) =>
  activeUsersDroppedRule.evaluate({ change: signalChange({ activeUsers: { last30, previousPeriod, thisPeriod: Math.min(last30, 2), periodStart: '2026-02-06' } }), history: [] }, config);

describe('active_users_dropped', () => {
  it('fires at 30% fewer active users than the previous period', () => {
    expect(evaluate(7, 10)).toEqual({
      state: 'firing',
      evidence: ['7 active users in the 30 days 2026-02-01 – 2026-03-02 vs 10 in the period 2026-01-07 – 2026-02-05 (−30%)'],
    });
  });

  it('clears at 29% fewer', () => {
    expect(evaluate(71, 100)?.state).toBe('clear');
    expect(evaluate(70, 100)?.state).toBe('firing');
  });

  it('needs a minimum previous period', () => {
    expect(evaluate(0, 2)?.state).toBe('clear');
    expect(evaluate(0, 3)?.state).toBe('firing');
  });

  it('does not mistake a period that has just begun for a collapse (uses the rolling 30 days)', () => {
    expect(evaluate(10, 10)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(activeUsersDroppedRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
