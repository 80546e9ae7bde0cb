export {
  commonRuleParams,
  defaultRuleSet,
  findRule,
  ruleSetFromConfig,
  validateRuleSet,
  type AlertRuleConfig,
  type RuleConcern,
  type RuleParamNames,
  type RuleSet,
  type RuleSetValidation,
} from './rule-config';
export type { RuleOutcome, RuleState, RuleVerdict, ScorePoint, ScoreRule, ScoreRuleInput } from './rule.types';
export { evaluateScoreRules, scoreRuleParams, scoreRules } from './rules';
export { healthEnteredRedRule } from './rules/health-entered-red.rule';
export { healthDroppedRule } from './rules/health-dropped.rule';
export { churnRiskHighRule } from './rules/churn-risk-high.rule';
export { segmentAtRiskRule } from './rules/segment-at-risk.rule';
export { adoptionMaturityRule, featureBreadthMeasure } from './rules/adoption-maturity.rule';
export { signalRule } from './rules/signal-rule.util';
export { activityDroppedRule } from './rules/activity-dropped.rule';
export { activeUsersDroppedRule } from './rules/active-users-dropped.rule';
export { featureContractionRule } from './rules/feature-contraction.rule';
export { usageDeclinedLongRule } from './rules/usage-declined-long.rule';
export { championLostRule } from './rules/champion-lost.rule';
export { supportSurgeRule } from './rules/support-surge.rule';
export { supportTopicRepeatedRule } from './rules/support-topic-repeated.rule';
export { supportEscalationRule } from './rules/support-escalation.rule';
export { downgradeRequestedRule, invoiceOverdueRule, paymentFailedRule } from './rules/billing-trouble.rule';
export { engagementDecayRule } from './rules/engagement-decay.rule';
export { npsDetractorRule } from './rules/nps-detractor.rule';
export { renewalAtRiskRule } from './rules/renewal-at-risk.rule';
export { onboardingStalledRule } from './rules/onboarding-stalled.rule';
export { neglectRule } from './rules/neglect.rule';
export { seatLimitNearRule } from './rules/seat-limit-near.rule';
export { usageLimitNearRule } from './rules/usage-limit-near.rule';
export { gatedFeatureAttemptsRule } from './rules/gated-feature-attempts.rule';
export { pricingPageInterestRule } from './rules/pricing-page-interest.rule';
export { businessGrowthRule } from './rules/business-growth.rule';
export { renewalExpansionRule } from './rules/renewal-expansion.rule';
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
export { placeIncident, routeTo, type IncidentPlacement, type PlacedAlert, type RoutableAccount, type Route } from './routing';
export { applyHysteresis, type HysteresisResult, type HysteresisState } from './hysteresis';
export { isChurned, resolveForChurn } from './churn';
export { foldIncident, incidentStatusOf, type FoldContext, type IncidentDecision, type IncidentMember, type IncidentRule, type IncidentState } from './incident';
export {
  alertIdFor,
  contactBudgetSince,
  decisionTimeOf,
  incidentIdFor,
  placeOpenedAlert,
  slaSecondsOf,
  type OpeningPlacement,
} from './alert-application';
export { accountViewUrl, escapeSlackText, slackIncidentMessage, type SlackBlock, type SlackButton, type SlackMessage, type SlackText } from './slack-incident';
export { ruleSetTimeline, type RuleSetActivation, type RuleSetTimeline } from './rule-set-timeline';
