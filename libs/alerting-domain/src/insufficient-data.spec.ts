import { healthDroppedRule } from './rules/health-dropped.rule';
import { defaultRuleSet } from './rule-config';
import { evaluateScoreRules } from './rules';
import { ruleConfig, signalChange, snapshot } from './score-change.fixture';

// Issue 15, cold start: a score on insufficient data is no opinion for every rule over health,
// band, segment or churn risk; rules over event signals still judge a young account.

/** A young account's first change, as scoring publishes it: red-looking numbers, flagged insufficient. */
const youngAndTroubled = () =>
  signalChange(
    {
      billing: { trouble: ['payment_failed'], paymentFailedAt: '2026-03-02' },
      nps: { score: 2, category: 'detractor', at: '2026-03-02T09:00:00.000Z' },
      contract: { renewalDate: '2026-04-01', renewalInDays: 30, mrr: 2000, arrUsd: 24_000, seats: 20, plan: 'pro' },
      features: { keyUsed30: 5, keyConfigured: 5, contracted: [] },
    },
    { health: 28, band: 'red', churnRisk: 0.9, segment: 'at_risk', stage: 'onboarding', insufficientData: true },
  );

const scoreRules = ['health_entered_red', 'health_dropped', 'churn_risk_high', 'segment_at_risk', 'renewal_at_risk', 'adoption_maturity', 'renewal_expansion'];

describe('a snapshot with insufficient data', () => {
  it('gets no opinion from any rule over health, band, segment or churn risk', () => {
    const change = { ...youngAndTroubled(), before: null };
    const outcomes = evaluateScoreRules(change, [{ eventTime: '2026-02-25T10:00:00.000Z', health: 90 }], defaultRuleSet);
    expect(outcomes.filter((outcome) => scoreRules.includes(outcome.ruleId))).toEqual([]);
  });

  it('still alerts on event signals: a failed payment and a detractor fire on a young account', () => {
    const firing = evaluateScoreRules(youngAndTroubled(), [], defaultRuleSet).filter((outcome) => outcome.state === 'firing').map((outcome) => outcome.ruleId);
    expect(firing).toEqual(expect.arrayContaining(['payment_failed', 'nps_detractor']));
  });

  it('the same numbers with data are an opinion (the rules do fire on them)', () => {
    const { insufficientData: _, ...after } = youngAndTroubled().after;
    const firing = evaluateScoreRules({ ...youngAndTroubled(), before: snapshot(), after }, [], defaultRuleSet)
      .filter((outcome) => outcome.state === 'firing')
      .map((outcome) => outcome.ruleId);
    expect(firing).toEqual(expect.arrayContaining(['health_entered_red', 'churn_risk_high', 'segment_at_risk', 'renewal_at_risk']));
  });

  it('is no peak health could fall from: the first score with data after a partial one is not a drop', () => {
    const config = ruleConfig({ id: 'health_dropped', severity: 'high', params: { dropPoints: 15, withinDays: 14 } });
    const change = signalChange({}, { health: 55, band: 'yellow' });
    const verdict = healthDroppedRule.evaluate({ change: { ...change, before: snapshot({ health: 100, insufficientData: true }) }, history: [] }, config);
    expect(verdict?.state).toBe('clear');
  });
});
