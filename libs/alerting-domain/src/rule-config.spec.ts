import { defaultRuleSet, findRule, validateRuleSet, type RuleSet } from './rule-config';
import { scoreRuleParams } from './rules';

describe('rule configuration', () => {
  it('ships a valid default rule set with the documented thresholds', () => {
    expect(validateRuleSet(defaultRuleSet, scoreRuleParams)).toEqual([]);
    expect(findRule(defaultRuleSet, 'health_entered_red')?.severity).toBe('critical');
    expect(findRule(defaultRuleSet, 'health_dropped')?.params).toEqual({ dropPoints: 15, withinDays: 14 });
    expect(findRule(defaultRuleSet, 'churn_risk_high')?.params).toEqual({ threshold: 0.6, clearMargin: 0.05 });
    expect(findRule(defaultRuleSet, 'segment_at_risk')?.severity).toBe('high');
    expect(findRule(defaultRuleSet, 'adoption_maturity')).toMatchObject({ category: 'expansion', severity: 'medium', params: { breadth: 0.8 } });
    expect(findRule(defaultRuleSet, 'nope')).toBeUndefined();
  });

  it('carries product.md’s thresholds for every trigger', () => {
    const params = Object.fromEntries(defaultRuleSet.rules.map((rule) => [rule.id, rule.params]));
    expect(params).toMatchObject({
      activity_dropped: { maxTrend: 0.5 },
      active_users_dropped: { dropShare: 0.3 },
      support_surge: { multiple: 3 },
      usage_declined_long: { maxRatio: 0.8, highRatio: 0.5, minWeeklyLevel: 10 },
      champion_lost: { minShare: 0.25, minDaysUnseen: 21, minOthersActive: 1, maxActivityKept: 0.85 },
      support_topic_repeated: { minCount: 3 },
      engagement_decay: { dropShare: 0.5 },
      nps_detractor: { maxScore: 6, slaHours: 48 },
      renewal_at_risk: { withinDays: 90 },
      onboarding_stalled: { stalledDays: 14 },
      neglect: { days: 45, minArrUsd: 50_000 },
      seat_limit_near: { ratio: 0.9 },
      usage_limit_near: { ratio: 0.9 },
      gated_feature_attempts: { minAttempts: 3 },
      pricing_page_interest: { minViews: 3 },
      business_growth: { growth: 0.2 },
      adoption_maturity: { breadth: 0.8 },
      renewal_expansion: { fromDays: 60, toDays: 90 },
    });
    const expansion = defaultRuleSet.rules.filter((rule) => rule.category === 'expansion').map((rule) => rule.id);
    expect(expansion).toEqual(['seat_limit_near', 'usage_limit_near', 'gated_feature_attempts', 'pricing_page_interest', 'business_growth', 'adoption_maturity', 'renewal_expansion']);
    // Rules that wait for a person cool down for at least their window, so one piece of evidence opens one alert.
    for (const rule of defaultRuleSet.rules.filter((candidate) => !candidate.autoResolve && candidate.params['withinDays'] !== undefined)) {
      expect(rule.cooldownHours).toBeGreaterThanOrEqual((rule.params['withinDays'] ?? 0) * 24);
    }
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

  // Rule ids are data: `requiredParams[rule.id]` found an inherited member for these ids (a
  // function or Object.prototype, not iterable) and validation threw a TypeError.
  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('checks a rule with the id %s for shape only, as any id without an evaluator', (id) => {
    const ruleSet: RuleSet = { version: 't', rules: [{ id, version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 24, autoResolve: true, params: {} }] };
    expect(validateRuleSet(ruleSet, scoreRuleParams)).toEqual([]);
  });
});
