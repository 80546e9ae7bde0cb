import type { AccountSignals } from '@bellwether/contracts';
import { onboardingStalledRule } from './onboarding-stalled.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'onboarding_stalled', severity: 'high', params: { stalledDays: 14 } });
const evaluate = (onboarding: Partial<AccountSignals['onboarding']>) =>
  onboardingStalledRule.evaluate({ change: signalChange({ onboarding: { inOnboarding: true, completed: 2, required: 4, ...onboarding } }), history: [] }, config);

describe('onboarding_stalled', () => {
  it('fires 14 days after the last milestone', () => {
    expect(evaluate({ daysSinceLastMilestone: 14, daysSinceStart: 40 })).toEqual({
      state: 'firing',
      evidence: ['2 of 4 onboarding milestones done; no milestone for 14 days (last on 2026-02-16) (threshold 14 days)'],
    });
  });

  it('clears at 13 days', () => {
    expect(evaluate({ daysSinceLastMilestone: 13, daysSinceStart: 40 })?.state).toBe('clear');
  });

  it('counts from the start when no milestone is done yet', () => {
    expect(evaluate({ completed: 0, daysSinceLastMilestone: null, daysSinceStart: 14 })).toEqual({
      state: 'firing',
      evidence: ['0 of 4 onboarding milestones done; no milestone in the 14 days since the start on 2026-02-16 (threshold 14 days)'],
    });
    expect(evaluate({ completed: 0, daysSinceLastMilestone: null, daysSinceStart: 13 })?.state).toBe('clear');
  });

  it('clears outside onboarding', () => {
    expect(evaluate({ inOnboarding: false, daysSinceLastMilestone: 100 })?.state).toBe('clear');
  });

  it('has no opinion without dates or without signals', () => {
    expect(evaluate({ daysSinceLastMilestone: null, daysSinceStart: null })).toBeNull();
    expect(onboardingStalledRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
