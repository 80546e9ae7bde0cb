import type { AlertCategory, AlertSeverity, ScoreChanged } from '@bellwether/contracts';
import type { AlertRuleConfig } from './rule-config';

/** One recent health score of the account (for windowed rules such as the 14-day drop). */
export interface ScorePoint {
  readonly eventTime: string;
  readonly health: number;
}

export type RuleState = 'firing' | 'clear';

/** A rule's verdict on one input, ready for the lifecycle (`decide`). */
export interface RuleOutcome {
  readonly ruleId: string;
  readonly category: AlertCategory;
  readonly severity: AlertSeverity;
  readonly state: RuleState;
  /** Human-readable lines: what moved, by how much, when, and the change's reasons. */
  readonly evidence: string[];
}

/** What a score rule reads: the change and the account's recent score history. */
export interface ScoreRuleInput {
  readonly change: ScoreChanged;
  readonly history: readonly ScorePoint[];
  /**
   * Whether the account already has an active alert for this rule. Rules that compare a number
   * with a threshold use it for their clear margin: an active alert clears only past the
   * threshold plus the margin (`renewal_at_risk`: opens below health 70, clears at ≥ 75), so a
   * wobble at the threshold neither resolves nor re-opens it. Absent: false.
   */
  readonly active?: boolean;
}

/** One evaluator's conclusion. `severity` may raise the configured one for a stronger signal. */
export interface RuleVerdict {
  readonly state: RuleState;
  readonly evidence: string[];
  readonly severity?: AlertSeverity;
}

/**
 * A pure evaluator over a score change. It returns null when the input lacks what it needs
 * (no opinion: neither firing nor clear), so optional inputs never resolve an alert by accident.
 */
export interface ScoreRule {
  readonly id: string;
  /** Params the evaluator reads from its `AlertRuleConfig`: every config of the rule gives them. */
  readonly requiredParams: readonly string[];
  /** Params the evaluator reads only when given (none when absent). Any other param is refused by `validateRuleSet`. */
  readonly optionalParams?: readonly string[];
  evaluate(input: ScoreRuleInput, config: AlertRuleConfig): RuleVerdict | null;
}
