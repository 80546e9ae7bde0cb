import { defaultRuleSet, type RuleSet } from './rule-config';
import { evaluateScoreRules, scoreRules } from './rules';
import { accountSignals, scoreChange, snapshot } from './score-change.fixture';

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

  // Rule ids are data: `scoreRules[config.id]` found an inherited member for these ids, and calling
  // its `evaluate` threw a TypeError, so no rule of the set was evaluated.
  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('skips a rule with the id %s, as any rule without a score evaluator', (id) => {
    const ruleSet: RuleSet = {
      version: 't',
      rules: [
        { id, version: 1, category: 'risk', severity: 'high', enabled: true, cooldownHours: 24, autoResolve: true, params: {} },
        ...defaultRuleSet.rules.filter((rule) => rule.id === 'health_entered_red'),
      ],
    };
    expect(evaluateScoreRules(crash, [], ruleSet).map((o) => o.ruleId)).toEqual(['health_entered_red']);
  });

  it('lets an evaluator raise but never lower the configured severity', () => {
    const ruleSet: RuleSet = {
      version: 't',
      rules: [{ id: 'churn_risk_high', version: 2, category: 'risk', severity: 'high', enabled: true, cooldownHours: 72, autoResolve: true, params: { threshold: 0.6, criticalThreshold: 0.65 } }],
    };
    expect(evaluateScoreRules(crash, [], ruleSet)[0]?.severity).toBe('critical');
  });

  it('has an evaluator for every rule of the default set, and a rule in the set for every evaluator', () => {
    expect(defaultRuleSet.rules.map((rule) => rule.id).sort()).toEqual(Object.keys(scoreRules).sort());
  });

  it('with signals, every rule has an opinion, and a calm account raises nothing', () => {
    const calm = scoreChange({ before: snapshot({ health: 71 }), after: snapshot({ health: 73 }), signals: accountSignals() });
    const outcomes = evaluateScoreRules(calm, [], defaultRuleSet);
    expect(outcomes.map((o) => o.ruleId)).toEqual(defaultRuleSet.rules.map((rule) => rule.id).filter((id) => id !== 'adoption_maturity'));
    expect(outcomes.filter((o) => o.state === 'firing')).toEqual([]);
  });

  it('sees a slow decline and a lost champion that the short-horizon rules miss', () => {
    const sliding = scoreChange({
      before: snapshot({ health: 84 }),
      after: snapshot({ health: 82 }),
      signals: accountSignals({
        // −20% against the 4-week baseline (which slid down too), −35% against the 90-day level.
        activity: { last7: 52, weeklyBaseline: 65, trend: 0.8 },
        activeUsers: { last30: 8, previousPeriod: 10 },
        usageLevel: { current: 58, reference: 90, ratio: 0.644 },
        champion: { userId: 'u_42', share: 0.38, events: 520, lastSeenAt: '2026-02-09', daysSinceSeen: 21, othersActive14: 7, weeklyBefore: 90, weeklySince: 58 },
      }),
    });
    const firing = evaluateScoreRules(sliding, [], defaultRuleSet).filter((o) => o.state === 'firing');
    expect(firing.map((o) => [o.ruleId, o.severity])).toEqual([
      ['usage_declined_long', 'medium'],
      ['champion_lost', 'high'],
    ]);
  });

  it('raises each trigger of product.md from the signals of one troubled account', () => {
    const troubled = scoreChange({
      before: snapshot({ health: 66, band: 'yellow' }),
      after: snapshot({ health: 52, band: 'yellow', segment: 'at_risk' }),
      drivers: [{ measure: 'feature_adoption', score: 40, weight: 20, contribution: 8 }],
      signals: accountSignals({
        activity: { last7: 10, weeklyBaseline: 40, trend: 0.25 },
        activeUsers: { last30: 6, previousPeriod: 10 },
        features: { contracted: ['reports'] },
        support: { tickets7: 4, weeklyBaseline: 1, topTopic: { topic: 'sso', count30: 4 }, escalations30: 1, lastEscalationAt: '2026-03-01' },
        billing: { trouble: ['payment_failed', 'invoice_overdue', 'downgrade_requested'], paymentFailedAt: '2026-02-25', invoiceOverdueAt: '2026-02-28', downgradeRequestedAt: '2026-03-01' },
        engagement: { emailOpens30: 1, emailOpensPrevious30: 12 },
        nps: { score: 2, category: 'detractor', at: '2026-03-01T08:00:00.000Z' },
        contract: { renewalInDays: 45, renewalDate: '2026-04-16', arrUsd: 96_000 },
        onboarding: { inOnboarding: true, completed: 1, daysSinceLastMilestone: 20 },
        csm: { daysSinceTouchpoint: 50, lastTouchpointAt: '2026-01-11' },
      }),
    });
    const firing = evaluateScoreRules(troubled, [], defaultRuleSet).filter((o) => o.state === 'firing');
    expect(firing.map((o) => o.ruleId)).toEqual([
      'segment_at_risk',
      'activity_dropped',
      'active_users_dropped',
      'feature_contraction',
      'support_surge',
      'support_topic_repeated',
      'support_escalation',
      'payment_failed',
      'invoice_overdue',
      'downgrade_requested',
      'engagement_decay',
      'nps_detractor',
      'renewal_at_risk',
      'onboarding_stalled',
      'neglect',
    ]);
    expect(firing.every((o) => o.category === 'risk')).toBe(true);
  });

  it('raises each expansion trigger of product.md, each with its why now', () => {
    const growing = scoreChange({
      after: snapshot({ health: 85, band: 'green', segment: 'loyal' }),
      drivers: [{ measure: 'feature_adoption', score: 100, weight: 20, contribution: 20 }],
      signals: accountSignals({
        activeUsers: { last30: 19, thisPeriod: 15, previousPeriod: 12, seats: 20 },
        usage: [{ metric: 'api_calls', value: 9600, limit: 10_000, ratio: 0.96, at: '2026-03-01' }],
        gatedAttempts14: 4,
        gatedFeatures14: ['sso'],
        pricingViews7: 3,
        contract: { renewalInDays: 80, renewalDate: '2026-05-21' },
      }),
    });
    const firing = evaluateScoreRules(growing, [], defaultRuleSet).filter((o) => o.state === 'firing');
    expect(firing.map((o) => [o.ruleId, o.category, o.severity])).toEqual([
      ['seat_limit_near', 'expansion', 'medium'],
      ['usage_limit_near', 'expansion', 'medium'],
      ['gated_feature_attempts', 'expansion', 'medium'],
      ['pricing_page_interest', 'expansion', 'medium'],
      ['business_growth', 'expansion', 'medium'],
      ['adoption_maturity', 'expansion', 'medium'],
      ['renewal_expansion', 'expansion', 'medium'],
    ]);
    for (const outcome of firing) expect(outcome.evidence.some((line) => /^why now: .*\d.*/.test(line))).toBe(true);
  });
});

