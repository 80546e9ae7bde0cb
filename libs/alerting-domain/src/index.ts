export { defaultRuleSet, findRule, validateRuleSet, type AlertRuleConfig, type RuleConcern, type RuleSet } from './rule-config';
export type { RuleOutcome, RuleState, RuleVerdict, ScorePoint, ScoreRule, ScoreRuleInput } from './rule.types';
export { evaluateScoreRules, scoreRuleParams, scoreRules } from './rules';
export { healthEnteredRedRule } from './health-entered-red.rule';
export { healthDroppedRule } from './health-dropped.rule';
export { churnRiskHighRule } from './churn-risk-high.rule';
export { segmentAtRiskRule } from './segment-at-risk.rule';
export { adoptionMaturityRule, featureBreadthMeasure } from './adoption-maturity.rule';
export { signalRule } from './signal-rule.util';
export { activityDroppedRule } from './activity-dropped.rule';
export { activeUsersDroppedRule } from './active-users-dropped.rule';
export { featureContractionRule } from './feature-contraction.rule';
export { usageDeclinedLongRule } from './usage-declined-long.rule';
export { championLostRule } from './champion-lost.rule';
export { supportSurgeRule } from './support-surge.rule';
export { supportTopicRepeatedRule } from './support-topic-repeated.rule';
export { supportEscalationRule } from './support-escalation.rule';
export { downgradeRequestedRule, invoiceOverdueRule, paymentFailedRule } from './billing-trouble.rule';
export { engagementDecayRule } from './engagement-decay.rule';
export { npsDetractorRule } from './nps-detractor.rule';
export { renewalAtRiskRule } from './renewal-at-risk.rule';
export { onboardingStalledRule } from './onboarding-stalled.rule';
export { neglectRule } from './neglect.rule';
export { seatLimitNearRule } from './seat-limit-near.rule';
export { usageLimitNearRule } from './usage-limit-near.rule';
export { gatedFeatureAttemptsRule } from './gated-feature-attempts.rule';
export { pricingPageInterestRule } from './pricing-page-interest.rule';
export { businessGrowthRule } from './business-growth.rule';
export { renewalExpansionRule } from './renewal-expansion.rule';
export {
  acknowledge,
  decide,
  isActive,
  resolve,
  snooze,
  wake,
  type AlertDecision,
  type AlertState,
  type DecideContext,
  type SuppressReason,
  type TransitionResult,
} from './alert-lifecycle';
export { isInhibited, isSupportingOnly, joinsActiveIncident, resolveSupportingLeftAlone } from './inhibition';
export { slaDueAt } from './sla';
export { compareSeverity, maxSeverity } from './severity';
export { accountTierOf, arrBandOf, arrUsdFromMrr, type AccountTier, type ArrBand } from './arr-tier';
export { arrBandMultiplier, priorityOf, severityWeight } from './priority';
export { routeTo, type RoutableAccount, type Route } from './routing';
export { applyHysteresis, type HysteresisResult, type HysteresisState } from './hysteresis';
export { isChurned, resolveForChurn } from './churn';
export { foldIncident, incidentStatusOf, type FoldContext, type IncidentDecision, type IncidentMember, type IncidentRule, type IncidentState } from './incident';
