import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';
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

  describe('after a seat cut', () => {
    // 20 users were active on 25 seats; on 2026-02-20 the customer cut to 12 seats; 10 users stayed.
    const afterCut = (eventTime: string, sinceSeatsReduced: number) =>
      seatLimitNearRule.evaluate(
        { change: { ...signalChange({ activeUsers: { last30: 20, seats: 12, seatsReducedAt: '2026-02-20', sinceSeatsReduced } }), eventTime }, history: [] },
        config,
      );

    it('is clear for 14 days after the cut, so a proposal already open resolves', () => {
      const clear = { state: 'clear', evidence: ['seats cut to 12 on 2026-02-20: no seat proposal for 14 days after a cut'] };
      expect(afterCut('2026-02-21T10:00:00.000Z', 12)).toEqual(clear);
      expect(afterCut('2026-03-05T10:00:00.000Z', 12)).toEqual(clear);
    });

    it('then counts only the users active since the cut: 10 of 12 seats is no reason to sell more', () => {
      expect(afterCut('2026-03-06T10:00:00.000Z', 10)).toEqual({
        state: 'clear',
        evidence: ['10 of 12 seats (83%) used by distinct users since the seat cut on 2026-02-20 (threshold 90%)'],
      });
    });

    it('and fires when the remaining team really fills the cut plan', () => {
      expect(afterCut('2026-03-06T10:00:00.000Z', 11)?.state).toBe('firing');
    });

    it('waits as long as its param says', () => {
      const patient = ruleConfig({ ...config, params: { ratio: 0.9, minDaysSinceSeatCut: 21 } });
      const change = { ...signalChange({ activeUsers: { last30: 20, seats: 12, seatsReducedAt: '2026-02-20', sinceSeatsReduced: 11 } }), eventTime: '2026-03-06T10:00:00.000Z' };
      expect(seatLimitNearRule.evaluate({ change, history: [] }, patient)?.state).toBe('clear');
    });
  });

  it('has no opinion without seats or without signals', () => {
    expect(evaluate(5, null)).toBeNull();
    expect(evaluate(5, 0)).toBeNull();
    expect(seatLimitNearRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
