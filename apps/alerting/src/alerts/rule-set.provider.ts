import { defaultRuleSet, ruleSetFromConfig, scoreRuleParams, type RuleSet } from '@bellwether/alerting-domain';
import { loadJsonConfigFile } from '@bellwether/platform';

/** Injection token of the rule set in force (`loadRuleSet`). */
export const RULE_SET = Symbol('RULE_SET');

/**
 * The built-in `defaultRuleSet`, or the versioned rule set in RULES_FILE, which replaces it whole
 * (a rule the file leaves out does not run). A missing or bad file stops the start (ConfigError,
 * exit 78) naming the file and the field, e.g. `RULES_FILE /etc/bw/rules.json:
 * rules.1.params.withinDays: is required by health_dropped (rule health_dropped)`.
 */
export function loadRuleSet(file: string | undefined): RuleSet {
  if (!file) return defaultRuleSet;
  return loadJsonConfigFile('RULES_FILE', file, (input) => {
    const result = ruleSetFromConfig(input, scoreRuleParams);
    return result.ok ? { ok: true, value: result.ruleSet } : result;
  });
}
