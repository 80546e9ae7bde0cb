import { ruleConfig, scoreChange, signalChange } from './score-change.fixture';
import { seatLimitNearRule } from './seat-limit-near.rule';

const config = ruleConfig({ id: 'seat_limit_near', category: 'expansion', severity: 'medium', autoResolve: false, params: { ratio: 0.9 } });
const evaluate = (last30: number, seats: number | null) => seatLimitNearRule.evaluate({ change: signalChange({ activeUsers: { last30, seats } }), history: [] }, config);

describe('seat_limit_near', () => {
  it('fires at 90% of the seats, saying why now', () => {
    expect(evaluate(18, 20)).toEqual({
      state: 'firing',
      evidence: [
        'why now: 18 of 20 seats (90%) used by distinct users in the 30 days 2026-02-01 – 2026-03-02 (threshold 90%)',
        'the team is about to outgrow its seats on the pro plan — propose more seats before users are turned away',
      ],
    });
  });

  it('clears just below 90%', () => {
    expect(evaluate(89, 100)?.state).toBe('clear');
    expect(evaluate(90, 100)?.state).toBe('firing');
  });

  it('has no opinion without seats or without signals', () => {
    expect(evaluate(5, null)).toBeNull();
    expect(evaluate(5, 0)).toBeNull();
    expect(seatLimitNearRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
