import type { AccountSignals } from '@bellwether/contracts';
import { npsDetractorRule } from './nps-detractor.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'nps_detractor', severity: 'high', autoResolve: false, params: { maxScore: 6, withinDays: 14, slaHours: 48 } });
const evaluate = (nps: AccountSignals['nps']) => npsDetractorRule.evaluate({ change: signalChange({ nps }), history: [] }, config);
const response = (score: number, at = '2026-03-02T09:30:00.000Z', comment?: string): AccountSignals['nps'] => ({
  score,
  category: score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor',
  at,
  ...(comment ? { comment } : {}),
});

describe('nps_detractor', () => {
  it('fires on a 6 with the comment and the 48-hour follow-up deadline', () => {
    expect(evaluate(response(6, '2026-03-02T09:30:00.000Z', 'exports keep failing'))).toEqual({
      state: 'firing',
      evidence: ['NPS 6 (detractor) on 2026-03-02: “exports keep failing”', 'closed loop: follow up within 48 h of the response, by 2026-03-04 09:30 UTC'],
    });
  });

  it('fires on a 0 and clears on a 7 (passive)', () => {
    expect(evaluate(response(0))?.state).toBe('firing');
    expect(evaluate(response(7))).toEqual({ state: 'clear', evidence: ['NPS 7 (passive) on 2026-03-02'] });
  });

  it('counts a response 13 days back, not 14', () => {
    expect(evaluate(response(3, '2026-02-17T23:00:00.000Z'))?.state).toBe('firing');
    expect(evaluate(response(3, '2026-02-16T23:00:00.000Z'))?.state).toBe('clear');
  });

  it('clears with no response', () => {
    expect(evaluate(null)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(npsDetractorRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
