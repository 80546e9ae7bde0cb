import { gatedFeatureAttemptsRule } from './gated-feature-attempts.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'gated_feature_attempts', category: 'expansion', severity: 'medium', autoResolve: false, params: { minAttempts: 3 } });
const evaluate = (gatedAttempts14: number, gatedFeatures14: string[] = ['sso', 'audit_log']) =>
  gatedFeatureAttemptsRule.evaluate({ change: signalChange({ gatedAttempts14, gatedFeatures14 }), history: [] }, config);

describe('gated_feature_attempts', () => {
  it('fires at 3 attempts in 14 days, naming the features and the window', () => {
    expect(evaluate(3)).toEqual({
      state: 'firing',
      evidence: [
        'why now: 3 attempts at gated features (sso, audit_log) in the 14 days 2026-02-17 – 2026-03-02 (threshold 3)',
        'users keep reaching for what the pro plan lacks — show the plan that includes it',
      ],
    });
  });

  it('clears at 2', () => {
    expect(evaluate(2)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(gatedFeatureAttemptsRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
