export { defaultRuleSet, findRule, validateRuleSet, type AlertRuleConfig, type RuleSet } from './rule-config';
export type { RuleOutcome, RuleState, RuleVerdict, ScorePoint, ScoreRule, ScoreRuleInput } from './rule.types';
export { evaluateScoreRules, scoreRuleParams, scoreRules } from './rules';
export { healthEnteredRedRule } from './health-entered-red.rule';
export { healthDroppedRule } from './health-dropped.rule';
export { churnRiskHighRule } from './churn-risk-high.rule';
export { segmentAtRiskRule } from './segment-at-risk.rule';
export { adoptionMaturityRule, featureBreadthMeasure } from './adoption-maturity.rule';
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
export { isInhibited } from './inhibition';
export { compareSeverity, maxSeverity } from './severity';
export { accountTierOf, arrBandOf, arrUsdFromMrr, type AccountTier, type ArrBand } from './arr-tier';
export { arrBandMultiplier, priorityOf, severityWeight } from './priority';
export { routeTo, type RoutableAccount, type Route } from './routing';
