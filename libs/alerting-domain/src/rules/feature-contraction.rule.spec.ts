import { featureContractionRule } from './feature-contraction.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'feature_contraction', severity: 'medium', params: { minFeatures: 1 } });
const evaluate = (contracted: string[], params = config.params) =>
  featureContractionRule.evaluate({ change: signalChange({ features: { contracted, keyUsed30: 2, keyConfigured: 5 } }), history: [] }, { ...config, params });

describe('feature_contraction', () => {
  it('fires when a key feature stopped being used, naming it and the window', () => {
    expect(evaluate(['reports', 'api'])).toEqual({
      state: 'firing',
      evidence: ['key features no longer used: reports, api (used 2026-01-02 – 2026-01-31, not since)', '2 of 5 key features used in the 30 days to 2026-03-02'],
    });
  });

  it('clears when none stopped', () => {
    expect(evaluate([])?.state).toBe('clear');
  });

  it('follows minFeatures', () => {
    expect(evaluate(['reports'], { minFeatures: 2 })?.state).toBe('clear');
    expect(evaluate(['reports', 'api'], { minFeatures: 2 })?.state).toBe('firing');
  });

  it('has no opinion without signals', () => {
    expect(featureContractionRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
