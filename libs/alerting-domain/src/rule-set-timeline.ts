import { ConfigTimeline, type ConfigTimelineActivation } from '@bellwether/contracts';
import type { RuleSet } from './rule-config';

/** A rule set version activated from an event time on (a `bellwether.config-activations.v1` record of kind `rule-set`, validated). */
export type RuleSetActivation = ConfigTimelineActivation<RuleSet>;

/**
 * Which alert rule set is in force at an event time (issue 18 §1), as scoring's
 * `ScorecardTimeline`: libs/contracts' pure `ConfigTimeline` over rule sets. `at(eventTime).config`
 * is the RULES_FILE set (or the built-in `defaultRuleSet`) before the first activation; from each
 * activation's `effectiveFrom` (the pipeline time alerting knew at activation) on, that
 * activation's rule set, until the next; the later of two at the same point wins. Immutable: a
 * batch of score changes evaluated with one timeline sees one history throughout.
 */
export type RuleSetTimeline = ConfigTimeline<RuleSet>;

/** The timeline with `base` (RULES_FILE or the default) in force before `activations`, oldest first. */
export function ruleSetTimeline(base: RuleSet, activations: readonly RuleSetActivation[] = []): RuleSetTimeline {
  return ConfigTimeline.of({ version: base.version, config: base }, activations);
}
