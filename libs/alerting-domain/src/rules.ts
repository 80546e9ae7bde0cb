import type { ScoreChanged } from '@bellwether/contracts';
import { activeUsersDroppedRule } from './active-users-dropped.rule';
import { activityDroppedRule } from './activity-dropped.rule';
import { adoptionMaturityRule } from './adoption-maturity.rule';
import { downgradeRequestedRule, invoiceOverdueRule, paymentFailedRule } from './billing-trouble.rule';
import { businessGrowthRule } from './business-growth.rule';
import { championLostRule } from './champion-lost.rule';
import { churnRiskHighRule } from './churn-risk-high.rule';
import { engagementDecayRule } from './engagement-decay.rule';
import { featureContractionRule } from './feature-contraction.rule';
import { gatedFeatureAttemptsRule } from './gated-feature-attempts.rule';
import { healthDroppedRule } from './health-dropped.rule';
import { healthEnteredRedRule } from './health-entered-red.rule';
import { neglectRule } from './neglect.rule';
import { npsDetractorRule } from './nps-detractor.rule';
import { onboardingStalledRule } from './onboarding-stalled.rule';
import { pricingPageInterestRule } from './pricing-page-interest.rule';
import { renewalAtRiskRule } from './renewal-at-risk.rule';
import { renewalExpansionRule } from './renewal-expansion.rule';
import type { RuleSet } from './rule-config';
import type { RuleOutcome, ScorePoint, ScoreRule } from './rule.types';
import { seatLimitNearRule } from './seat-limit-near.rule';
import { segmentAtRiskRule } from './segment-at-risk.rule';
import { maxSeverity } from './severity';
import { supportEscalationRule } from './support-escalation.rule';
import { supportSurgeRule } from './support-surge.rule';
import { supportTopicRepeatedRule } from './support-topic-repeated.rule';
import { usageDeclinedLongRule } from './usage-declined-long.rule';
import { usageLimitNearRule } from './usage-limit-near.rule';

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

/** Params each score rule reads, for `validateRuleSet(ruleSet, scoreRuleParams)`. */
export const scoreRuleParams: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.values(scoreRules).map((rule) => [rule.id, rule.requiredParams]),
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
    const rule = scoreRules[config.id];
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
