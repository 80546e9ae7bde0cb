import { ownValue, type ScoreChanged } from '@bellwether/contracts';
import { activeUsersDroppedRule } from './rules/active-users-dropped.rule';
import { activityDroppedRule } from './rules/activity-dropped.rule';
import { adoptionMaturityRule } from './rules/adoption-maturity.rule';
import { downgradeRequestedRule, invoiceOverdueRule, paymentFailedRule } from './rules/billing-trouble.rule';
import { businessGrowthRule } from './rules/business-growth.rule';
import { championLostRule } from './rules/champion-lost.rule';
import { churnRiskHighRule } from './rules/churn-risk-high.rule';
import { engagementDecayRule } from './rules/engagement-decay.rule';
import { featureContractionRule } from './rules/feature-contraction.rule';
import { gatedFeatureAttemptsRule } from './rules/gated-feature-attempts.rule';
import { healthDroppedRule } from './rules/health-dropped.rule';
import { healthEnteredRedRule } from './rules/health-entered-red.rule';
import { neglectRule } from './rules/neglect.rule';
import { npsDetractorRule } from './rules/nps-detractor.rule';
import { onboardingStalledRule } from './rules/onboarding-stalled.rule';
import { pricingPageInterestRule } from './rules/pricing-page-interest.rule';
import { renewalAtRiskRule } from './rules/renewal-at-risk.rule';
import { renewalExpansionRule } from './rules/renewal-expansion.rule';
import type { RuleParamNames, RuleSet } from './rule-config';
import type { RuleOutcome, ScorePoint, ScoreRule } from './rule.types';
import { seatLimitNearRule } from './rules/seat-limit-near.rule';
import { segmentAtRiskRule } from './rules/segment-at-risk.rule';
import { maxSeverity } from './severity';
import { supportEscalationRule } from './rules/support-escalation.rule';
import { supportSurgeRule } from './rules/support-surge.rule';
import { supportTopicRepeatedRule } from './rules/support-topic-repeated.rule';
import { usageDeclinedLongRule } from './rules/usage-declined-long.rule';
import { usageLimitNearRule } from './rules/usage-limit-near.rule';

/** Evaluators over a score change, by rule id. Rules over other inputs get their own registry. */
export const scoreRules: Readonly<Record<string, ScoreRule>> = Object.fromEntries(
  [
    healthEnteredRedRule,
    healthDroppedRule,
    churnRiskHighRule,
    segmentAtRiskRule,
    activityDroppedRule,
    activeUsersDroppedRule,
    featureContractionRule,
    usageDeclinedLongRule,
    championLostRule,
    supportSurgeRule,
    supportTopicRepeatedRule,
    supportEscalationRule,
    paymentFailedRule,
    invoiceOverdueRule,
    downgradeRequestedRule,
    engagementDecayRule,
    npsDetractorRule,
    renewalAtRiskRule,
    onboardingStalledRule,
    neglectRule,
    seatLimitNearRule,
    usageLimitNearRule,
    gatedFeatureAttemptsRule,
    pricingPageInterestRule,
    businessGrowthRule,
    adoptionMaturityRule,
    renewalExpansionRule,
  ].map((rule) => [rule.id, rule]),
);

/** The score rules this service can run and the params each reads, for `validateRuleSet(ruleSet, scoreRuleParams)`. */
export const scoreRuleParams: Readonly<Record<string, RuleParamNames>> = Object.fromEntries(
  Object.values(scoreRules).map((rule) => [rule.id, { required: rule.requiredParams, optional: rule.optionalParams ?? [] }]),
);

/**
 * Every enabled rule of the set that has a score evaluator, in rule-set order. Rules without an
 * evaluator here (other inputs) and rules without an opinion (missing optional input) yield no
 * outcome; the others yield `firing` or `clear`. `activeRuleIds`: rules with an active alert on
 * the account (their evaluators apply their clear margin, see `ScoreRuleInput.active`).
 */
export function evaluateScoreRules(change: ScoreChanged, history: readonly ScorePoint[], rules: RuleSet, activeRuleIds: ReadonlySet<string> = new Set()): RuleOutcome[] {
  const outcomes: RuleOutcome[] = [];
  for (const config of rules.rules) {
    const rule = ownValue(scoreRules, config.id);
    if (!config.enabled || !rule) continue;
    const verdict = rule.evaluate({ change, history, active: activeRuleIds.has(config.id) }, config);
    if (verdict === null) continue;
    outcomes.push({
      ruleId: config.id,
      category: config.category,
      severity: verdict.severity ? maxSeverity(config.severity, verdict.severity) : config.severity,
      state: verdict.state,
      evidence: verdict.evidence,
    });
  }
  return outcomes;
}
