import { defaultRuleSet, findRule, ruleSetFromConfig, validateRuleSet, type RuleSet } from './rule-config';
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

  it('names every problem of a bad rule set by its field', () => {
    const bad: RuleSet = {
      version: '',
      rules: [
        { id: 'health_dropped', version: 0, category: 'risk', severity: 'high', enabled: true, cooldownHours: -1, autoResolve: false, params: { dropPoints: Number.NaN } },
        { id: 'health_dropped', version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 1, autoResolve: false, params: { dropPoints: 1, withinDays: 1 } },
      ],
    };
    expect(validateRuleSet(bad, scoreRuleParams)).toEqual([
      'version: is required: 1 to 200 printable ASCII characters without spaces naming this rule set (e.g. acme-2026.4)',
      'rules.0.version: must be a positive integer (rule health_dropped)',
      'rules.0.cooldownHours: must be a number of hours ≥ 0 (rule health_dropped)',
      'rules.0.params.dropPoints: must be a number ≥ 0 (rule health_dropped)',
      'rules.0.params.withinDays: is required by health_dropped (rule health_dropped)',
      'rules.1.id: duplicate rule health_dropped (also rules.0)',
    ]);
  });

  // Rule ids are data: a lookup by id found an inherited member for these ids (a function or
  // Object.prototype) and validation threw a TypeError; they are unknown rules like any other.
  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('refuses a rule with the id %s as an unknown rule, naming the field', (id) => {
    const ruleSet: RuleSet = { version: 't', rules: [{ id, version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 24, autoResolve: true, params: {} }] };
    const problems = validateRuleSet(ruleSet, scoreRuleParams);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^rules\\.0\\.id: unknown rule ${id.replace(/_/g, '_')} \\(known: `));
  });
});

describe('ruleSetFromConfig (a parsed RULES_FILE)', () => {
  /** The default set as a file would hold it, with `change` applied to one rule. */
  const withRule = (id: string, change: (rule: Record<string, unknown>) => Record<string, unknown>): unknown => ({
    version: 'acme-2026.4',
    rules: defaultRuleSet.rules.map((rule) => (rule.id === id ? change({ ...rule }) : rule)),
  });
  const problemsOf = (input: unknown): readonly string[] => {
    const result = ruleSetFromConfig(input, scoreRuleParams);
    return result.ok ? [] : result.problems;
  };

  it('takes a whole versioned rule set, thresholds and all', () => {
    const result = ruleSetFromConfig(withRule('health_dropped', (rule) => ({ ...rule, params: { dropPoints: 50, withinDays: 14 } })), scoreRuleParams);
    expect(result.ok && result.ruleSet.version).toBe('acme-2026.4');
    expect(result.ok && findRule(result.ruleSet, 'health_dropped')?.params).toEqual({ dropPoints: 50, withinDays: 14 });
  });

  it('takes the optional params an evaluator reads and the common SLA param', () => {
    expect(problemsOf(withRule('churn_risk_high', (rule) => ({ ...rule, params: { threshold: 0.6, clearMargin: 0.05, criticalThreshold: 0.85 } })))).toEqual([]);
    expect(problemsOf(withRule('support_escalation', (rule) => ({ ...rule, params: { withinDays: 7, slaHours: 24 } })))).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['not an object', [], 'rule set: must be a JSON object with version and rules'],
    ['no version', { rules: defaultRuleSet.rules }, 'version: is required: 1 to 200 printable ASCII characters without spaces naming this rule set (e.g. acme-2026.4)'],
    ['a version with a space', { version: 'acme 1', rules: defaultRuleSet.rules }, 'version: is required: 1 to 200 printable ASCII characters without spaces naming this rule set (e.g. acme-2026.4)'],
    ['a version Postgres cannot store', { version: 'acme\u00001', rules: defaultRuleSet.rules }, 'version: is required: 1 to 200 printable ASCII characters without spaces naming this rule set (e.g. acme-2026.4)'],
    ['a version longer than an event id', { version: 'v'.repeat(201), rules: defaultRuleSet.rules }, 'version: is required: 1 to 200 printable ASCII characters without spaces naming this rule set (e.g. acme-2026.4)'],
    ['an unknown top-level field', { version: 'x', rules: defaultRuleSet.rules, rule: [] }, 'rule: is not a rule set field (version, rules)'],
    ['no rules', { version: 'x' }, 'rules: is required (a list of rules)'],
    ['an empty list of rules', { version: 'x', rules: [] }, 'rules: must list at least one rule'],
    ['a rule that is not an object', { version: 'x', rules: ['health_dropped'] }, 'rules.0: must be a JSON object'],
    ['an unknown rule id', withRule('neglect', (rule) => ({ ...rule, id: 'neglected' })), 'rules.19.id: unknown rule neglected (known: health_entered_red, health_dropped'],
    ['an inherited member as a rule id', withRule('neglect', (rule) => ({ ...rule, id: 'constructor' })), 'rules.19.id: unknown rule constructor (known: '],
    ['a rule without an id', withRule('neglect', ({ id: _id, ...rule }) => rule), 'rules.19.id: is required (a rule id)'],
    ['a duplicate rule', { version: 'x', rules: [...defaultRuleSet.rules, defaultRuleSet.rules[1]] }, 'rules.27.id: duplicate rule health_dropped (also rules.1)'],
    ['an unknown param', withRule('health_dropped', (rule) => ({ ...rule, params: { dropPoints: 15, withinDays: 14, dropPoint: 20 } })), 'rules.1.params.dropPoint: is not a param of health_dropped (dropPoints, withinDays, slaHours) (rule health_dropped)'],
    ['a missing param', withRule('health_dropped', (rule) => ({ ...rule, params: { dropPoints: 15 } })), 'rules.1.params.withinDays: is required by health_dropped (rule health_dropped)'],
    ['an inherited member as a missing param', withRule('health_dropped', (rule) => ({ ...rule, params: { dropPoints: 15, withinDays: 14, constructor: 1 } })), 'rules.1.params.constructor: is not a param of health_dropped'],
    ['a param that is not a number', withRule('health_dropped', (rule) => ({ ...rule, params: { dropPoints: '15', withinDays: 14 } })), 'rules.1.params.dropPoints: must be a number ≥ 0 (rule health_dropped)'],
    ['a negative window param', withRule('health_dropped', (rule) => ({ ...rule, params: { dropPoints: 15, withinDays: -14 } })), 'rules.1.params.withinDays: must be a number ≥ 0 (rule health_dropped)'],
    ['params that are not an object', withRule('health_dropped', (rule) => ({ ...rule, params: [15, 14] })), 'rules.1.params: is required (a JSON object of numbers) (rule health_dropped)'],
    ['an unknown severity', withRule('health_dropped', (rule) => ({ ...rule, severity: 'urgent' })), 'rules.1.severity: must be one of critical, high, medium, low (rule health_dropped)'],
    ['an unknown category', withRule('health_dropped', (rule) => ({ ...rule, category: 'upsell' })), 'rules.1.category: must be risk or expansion (rule health_dropped)'],
    ['a negative holdsFor window', withRule('churn_risk_high', (rule) => ({ ...rule, holdsForHours: -48 })), 'rules.2.holdsForHours: must be a number of hours ≥ 0 (rule churn_risk_high)'],
    ['a clearFor window that is not a number', withRule('churn_risk_high', (rule) => ({ ...rule, clearForHours: '72h' })), 'rules.2.clearForHours: must be a number of hours ≥ 0 (rule churn_risk_high)'],
    ['a cool-down that is missing', withRule('churn_risk_high', ({ cooldownHours: _c, ...rule }) => rule), 'rules.2.cooldownHours: must be a number of hours ≥ 0 (rule churn_risk_high)'],
    ['enabled as a string', withRule('churn_risk_high', (rule) => ({ ...rule, enabled: 'yes' })), 'rules.2.enabled: must be true or false (rule churn_risk_high)'],
    ['autoResolve missing', withRule('churn_risk_high', ({ autoResolve: _a, ...rule }) => rule), 'rules.2.autoResolve: must be true or false (rule churn_risk_high)'],
    ['a rule version of 1.5', withRule('churn_risk_high', (rule) => ({ ...rule, version: 1.5 })), 'rules.2.version: must be a positive integer (rule churn_risk_high)'],
    ['unknown concerns', withRule('neglect', (rule) => ({ ...rule, concerns: 'manager' })), 'rules.19.concerns: must be customer or csm (rule neglect)'],
    ['opensIncident as a string', withRule('engagement_decay', (rule) => ({ ...rule, opensIncident: 'no' })), 'rules.15.opensIncident: must be true or false (rule engagement_decay)'],
    ['an unknown rule field', withRule('health_dropped', (rule) => ({ ...rule, threshold: 20 })), 'rules.1.threshold: is not a rule field (rule health_dropped)'],
  ])('refuses %s, naming the field', (_case, input, problem) => {
    const problems = problemsOf(input);
    expect(problems).toEqual([expect.stringContaining(problem)]);
    expect(problems[0]?.startsWith(problem)).toBe(true);
  });
});
