import { defaultRuleSet, type RuleSet } from './rule-config';
import { ruleSetTimeline } from './rule-set-timeline';
import { evaluateScoreRules } from './rules';
import { scoreChange, snapshot } from './score-change.fixture';

// The timeline's rules (switching at effectiveFrom, repeats, clamping) are ConfigTimeline's, tested in libs/contracts.

/** The default set with health_dropped's threshold raised to `dropPoints`. */
const withDropPoints = (version: string, dropPoints: number): RuleSet => ({
  version,
  rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { ...rule.params, dropPoints } } : rule)),
});

describe('RuleSetTimeline', () => {
  it('evaluates a score change with the rule set in force at the change’s event time', () => {
    const timeline = ruleSetTimeline(defaultRuleSet, [{ version: 'rs-50', config: withDropPoints('rs-50', 50), effectiveFrom: '2026-03-05T00:00:00.000Z', activatedAt: '2026-03-05T09:00:00.000Z' }]);
    // A 42-point fall within the window, before and after the activation's effectiveFrom.
    const fall = (eventTime: string) => scoreChange({ eventTime, before: snapshot({ health: 80 }), after: snapshot({ health: 38 }) });
    const history = [{ eventTime: '2026-03-01T00:00:00.000Z', health: 80 }];
    const fired = (eventTime: string) => {
      const ruleSet = timeline.at(eventTime).config;
      return [ruleSet.version, evaluateScoreRules(fall(eventTime), history, ruleSet, new Set()).some((outcome) => outcome.ruleId === 'health_dropped' && outcome.state === 'firing')];
    };
    expect(fired('2026-03-04T23:59:59.999Z')).toEqual([defaultRuleSet.version, true]);
    expect(fired('2026-03-05T00:00:00.000Z')).toEqual(['rs-50', false]);
  });
});
