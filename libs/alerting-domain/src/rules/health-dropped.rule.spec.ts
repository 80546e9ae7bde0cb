import { healthDroppedRule } from './health-dropped.rule';
import type { ScorePoint } from '../rule.types';
import { ruleConfig, scoreChange, snapshot } from '../score-change.fixture';

const config = ruleConfig({ id: 'health_dropped', severity: 'high', params: { dropPoints: 15, withinDays: 14 } });
const now = '2026-03-15T12:00:00.000Z';
const daysBefore = (days: number): string => new Date(Date.parse(now) - days * 86_400_000).toISOString();

function evaluate(history: ScorePoint[], afterHealth: number, beforeHealth: number | null = null) {
  const change = scoreChange({
    eventTime: now,
    before: beforeHealth === null ? null : snapshot({ health: beforeHealth }),
    after: snapshot({ health: afterHealth, band: afterHealth >= 70 ? 'green' : afterHealth >= 40 ? 'yellow' : 'red' }),
  });
  return healthDroppedRule.evaluate({ change, history }, config);
}

describe('health_dropped', () => {
  it('fires on a 15-point drop within 14 days', () => {
    const verdict = evaluate([{ eventTime: daysBefore(10), health: 80 }], 65);
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[0]).toBe('health fell 15 points within 14 days: 80 on 2026-03-05 → 65 (yellow) on 2026-03-15');
    expect(verdict?.evidence).toContain('product_usage fell: 2 weekly active users of 20 seats');
  });

  it('does not fire on a 14-point drop', () => {
    const verdict = evaluate([{ eventTime: daysBefore(10), health: 80 }], 66);
    expect(verdict?.state).toBe('clear');
    expect(verdict?.evidence[0]).toBe('largest fall within 14 days: 14 points (threshold 15), health 66 on 2026-03-15');
  });

  it('counts a point exactly 14 days earlier', () => {
    expect(evaluate([{ eventTime: daysBefore(14), health: 80 }], 65)?.state).toBe('firing');
  });

  it('does not count a point 15 days earlier', () => {
    expect(evaluate([{ eventTime: daysBefore(15), health: 80 }], 65)?.state).toBe('clear');
  });

  it('does not fire when the drop is spread over 15 days', () => {
    const history = [
      { eventTime: daysBefore(15), health: 80 },
      { eventTime: daysBefore(8), health: 72 },
      { eventTime: daysBefore(1), health: 68 },
    ];
    expect(evaluate(history, 65, 68)?.state).toBe('clear');
  });

  it('measures from the highest point in the window, not the oldest', () => {
    const history = [
      { eventTime: daysBefore(12), health: 60 },
      { eventTime: daysBefore(5), health: 82 },
    ];
    expect(evaluate(history, 66, 70)?.evidence[0]).toBe('health fell 16 points within 14 days: 82 on 2026-03-10 → 66 (yellow) on 2026-03-15');
  });

  it('fires on a single step from the score just before the change', () => {
    const verdict = evaluate([], 55, 75);
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[0]).toBe('health fell 20 points within 14 days: 75 just before → 55 (yellow) on 2026-03-15');
  });

  it('ignores history points after the change', () => {
    expect(evaluate([{ eventTime: '2026-03-16T00:00:00.000Z', health: 90 }], 65)?.state).toBe('clear');
  });

  it('clears for a first score with no history', () => {
    expect(evaluate([], 30)?.state).toBe('clear');
  });

  it('follows its params', () => {
    const tight = ruleConfig({ id: 'health_dropped', params: { dropPoints: 5, withinDays: 3 } });
    const change = scoreChange({ eventTime: now, before: null, after: snapshot({ health: 70 }) });
    expect(healthDroppedRule.evaluate({ change, history: [{ eventTime: daysBefore(2), health: 75 }] }, tight)?.state).toBe('firing');
    expect(healthDroppedRule.evaluate({ change, history: [{ eventTime: daysBefore(4), health: 75 }] }, tight)?.state).toBe('clear');
  });
});
