import type { AccountSignals, ScoreChanged } from '@bellwether/contracts';
import type { AlertRuleConfig } from '../rule-config';
import type { RuleVerdict, ScoreRule, ScoreRuleInput } from '../rule.types';

/**
 * A score rule over the signals scoring publishes with a change (`ScoreChanged.signals`). Changes
 * published without them get no opinion (null), so an older producer never resolves an alert.
 */
export function signalRule(
  id: string,
  requiredParams: readonly string[],
  evaluate: (signals: AccountSignals, change: ScoreChanged, config: AlertRuleConfig, input: ScoreRuleInput) => RuleVerdict | null,
): ScoreRule {
  return {
    id,
    requiredParams,
    evaluate(input, config) {
      const signals = input.change.signals;
      return signals ? evaluate(signals, input.change, config, input) : null;
    },
  };
}
