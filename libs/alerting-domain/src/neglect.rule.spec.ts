import { neglectRule } from './neglect.rule';
import { ruleConfig, scoreChange, signalChange } from './score-change.fixture';

const config = ruleConfig({ id: 'neglect', severity: 'medium', params: { days: 45, minArrUsd: 50_000 } });
const evaluate = (daysSinceTouchpoint: number | null, arrUsd: number | null, lastTouchpointAt: string | null = null, daysSinceStart: number | null = 300) =>
  neglectRule.evaluate({ change: signalChange({ csm: { daysSinceTouchpoint, lastTouchpointAt }, contract: { arrUsd }, onboarding: { daysSinceStart } }), history: [] }, config);

describe('neglect', () => {
  it('fires at 45 days without a touchpoint on a 50,000 USD account', () => {
    expect(evaluate(45, 50_000, '2026-01-16')).toEqual({
      state: 'firing',
      evidence: ['no CSM touchpoint for 45 days (last on 2026-01-16) on an account of 50,000 USD ARR (alert at 45 days and 50,000 USD)'],
    });
  });

  it('clears at 44 days or below the ARR threshold', () => {
    expect(evaluate(44, 80_000)?.state).toBe('clear');
    expect(evaluate(90, 49_999)?.state).toBe('clear');
  });

  it('counts from the start for an account never touched', () => {
    expect(evaluate(null, 120_000, null, 45)?.evidence).toEqual([
      'no CSM touchpoint for 45 days (none seen since 2026-01-16) on an account of 120,000 USD ARR (alert at 45 days and 50,000 USD)',
    ]);
    expect(evaluate(null, 120_000, null, 44)?.state).toBe('clear');
  });

  it('has no opinion without ARR, dates or signals', () => {
    expect(evaluate(60, null)).toBeNull();
    expect(evaluate(null, 60_000, null, null)).toBeNull();
    expect(neglectRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
