import { defaultRuleSet, findRule, validateRuleSet, type RuleSet } from './rule-config';
import { scoreRuleParams } from './rules';

describe('rule configuration', () => {
  it('ships a valid default rule set with the documented thresholds', () => {
    expect(validateRuleSet(defaultRuleSet, scoreRuleParams)).toEqual([]);
    expect(findRule(defaultRuleSet, 'health_entered_red')?.severity).toBe('critical');
    expect(findRule(defaultRuleSet, 'health_dropped')?.params).toEqual({ dropPoints: 15, withinDays: 14 });
    expect(findRule(defaultRuleSet, 'churn_risk_high')?.params).toEqual({ threshold: 0.6 });
    expect(findRule(defaultRuleSet, 'segment_at_risk')?.severity).toBe('high');
    expect(findRule(defaultRuleSet, 'adoption_maturity')).toMatchObject({ category: 'expansion', severity: 'medium', params: { breadth: 0.8 } });
    expect(findRule(defaultRuleSet, 'nope')).toBeUndefined();
  });

  it('names every problem of a bad rule set', () => {
    const bad: RuleSet = {
      version: '',
      rules: [
        { id: 'health_dropped', version: 0, category: 'risk', severity: 'high', enabled: true, cooldownHours: -1, autoResolve: false, params: { dropPoints: Number.NaN } },
        { id: 'health_dropped', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 1, autoResolve: false, params: { dropPoints: 1, withinDays: 1 } },
      ],
    };
    expect(validateRuleSet(bad, scoreRuleParams)).toEqual([
      'rule set version is empty',
      'rule health_dropped: version must be a positive integer',
      'rule health_dropped: cooldownHours must be a number ≥ 0',
      'rule health_dropped: param dropPoints is not a finite number',
      'rule health_dropped: missing param withinDays',
      'rule health_dropped: duplicate id',
    ]);
  });
});
