import { neglectRule } from './neglect.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'neglect', severity: 'medium', params: { days: 45, minArrUsd: 50_000 } });
const evaluate = (daysSinceTouchpoint: number | null, arrUsd: number | null, lastTouchpointAt: string | null = null, daysSinceStart: number | null = 300, daysObserved?: number | null) =>
  neglectRule.evaluate(
    { change: signalChange({ csm: { daysSinceTouchpoint, lastTouchpointAt, ...(daysObserved !== undefined ? { daysObserved } : {}) }, contract: { arrUsd }, onboarding: { daysSinceStart } }), history: [] },
    config,
  );

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

  it('does not fire on day 0 of an account whose history began today, on a contract signed 400 days ago (cold start)', () => {
    expect(evaluate(null, 120_000, null, 400, 0)).toEqual({
      state: 'clear',
      evidence: ['no CSM touchpoint for 0 days (none seen since 2026-03-02) on an account of 120,000 USD ARR (alert at 45 days and 50,000 USD)'],
    });
    // It counts from the first observation from then on, and fires once that is 45 days back.
    expect(evaluate(null, 120_000, null, 444, 44)?.state).toBe('clear');
    expect(evaluate(null, 120_000, null, 445, 45)?.state).toBe('firing');
    // A contract that began after the account was first seen (a trial) counts from its start.
    expect(evaluate(null, 120_000, null, 10, 60)?.state).toBe('clear');
    // Without the field (a producer before issue 15), the contract start as before.
    expect(evaluate(null, 120_000, null, 400)?.state).toBe('firing');
    // A known touchpoint wins over both.
    expect(evaluate(50, 120_000, '2026-01-11', 400, 3)?.state).toBe('firing');
  });

  it('has no opinion without ARR, dates or signals', () => {
    expect(evaluate(60, null)).toBeNull();
    expect(evaluate(null, 60_000, null, null)).toBeNull();
    expect(neglectRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
