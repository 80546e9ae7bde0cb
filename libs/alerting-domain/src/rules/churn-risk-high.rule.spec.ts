import { churnRiskHighRule } from './churn-risk-high.rule';
import { ruleConfig, scoreChange, snapshot } from '../score-change.fixture';

const config = ruleConfig({ id: 'churn_risk_high', severity: 'high', params: { threshold: 0.6 } });
const evaluate = (risk: number, params: Record<string, number> = config.params) =>
  churnRiskHighRule.evaluate(
    { change: scoreChange({ before: snapshot({ churnRisk: 0.42 }), after: snapshot({ churnRisk: risk }) }), history: [] },
    { ...config, params },
  );

describe('churn_risk_high', () => {
  it('fires at exactly the threshold', () => {
    const verdict = evaluate(0.6);
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[0]).toBe('churn risk 42% → 60% (threshold 60%) on 2026-03-02');
    expect(verdict?.severity).toBeUndefined();
  });

  it('clears just below the threshold', () => {
    expect(evaluate(0.599)?.state).toBe('clear');
  });

  it('raises to critical at the optional critical threshold', () => {
    expect(evaluate(0.9, { threshold: 0.6, criticalThreshold: 0.85 })?.severity).toBe('critical');
    expect(evaluate(0.8, { threshold: 0.6, criticalThreshold: 0.85 })?.severity).toBeUndefined();
  });
});
