import { defaultRuleSet, type RuleSet } from './rule-config';
import { evaluateScoreRules } from './rules';
import { scoreChange, snapshot } from './score-change.fixture';

describe('evaluateScoreRules', () => {
  const crash = scoreChange({
    before: snapshot({ health: 72, band: 'green', churnRisk: 0.3, segment: 'stable' }),
    after: snapshot({ health: 35, band: 'red', churnRisk: 0.7, segment: 'at_risk' }),
    drivers: [{ measure: 'feature_adoption', score: 40, weight: 20, contribution: 8 }],
  });

  it('evaluates every enabled rule of the default set in order', () => {
    const outcomes = evaluateScoreRules(crash, [], defaultRuleSet);
    expect(outcomes.map((o) => [o.ruleId, o.state, o.severity, o.category])).toEqual([
      ['health_entered_red', 'firing', 'critical', 'risk'],
      ['health_dropped', 'firing', 'high', 'risk'],
      ['churn_risk_high', 'firing', 'high', 'risk'],
      ['segment_at_risk', 'firing', 'high', 'risk'],
      ['adoption_maturity', 'clear', 'medium', 'expansion'],
    ]);
    expect(outcomes[0]?.evidence).toEqual(['health 72 → 35 (red) on 2026-03-02', 'product_usage fell: 2 weekly active users of 20 seats']);
  });

  it('reports clear outcomes when nothing is wrong', () => {
    const calm = scoreChange({ before: snapshot({ health: 71 }), after: snapshot({ health: 73 }) });
    expect(evaluateScoreRules(calm, [], defaultRuleSet).every((o) => o.state === 'clear')).toBe(true);
  });

  it('skips disabled rules, rules without a score evaluator, and rules without an opinion', () => {
    const ruleSet: RuleSet = {
      version: 't',
      rules: [
        ...defaultRuleSet.rules.map((r) => (r.id === 'churn_risk_high' ? { ...r, enabled: false } : r)),
        { id: 'payment_failed', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 24, autoResolve: false, params: {} },
      ],
    };
    const ids = evaluateScoreRules({ ...crash, drivers: [] }, [], ruleSet).map((o) => o.ruleId);
    expect(ids).toEqual(['health_entered_red', 'health_dropped', 'segment_at_risk']);
  });

  it('lets an evaluator raise but never lower the configured severity', () => {
    const ruleSet: RuleSet = {
      version: 't',
      rules: [{ id: 'churn_risk_high', version: 2, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: { threshold: 0.6, criticalThreshold: 0.65 } }],
    };
    expect(evaluateScoreRules(crash, [], ruleSet)[0]?.severity).toBe('critical');
  });
});
