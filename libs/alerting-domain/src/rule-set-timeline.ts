import { ConfigTimeline, type ConfigTimelineActivation } from '@bellwether/contracts';
import type { RuleSet } from './rule-config';

/** A rule set version activated from an event time on (a `bellwether.config-activations.v1` record of kind `rule-set`, validated). */
export type RuleSetActivation = ConfigTimelineActivation<RuleSet>;

/**
 * Which alert rule set is in force at an event time (issue 18 §1), as scoring's
 * `ScorecardTimeline`: the shared `ConfigTimeline` (libs/contracts) over rule sets. `base` (the
 * RULES_FILE set, or the built-in `defaultRuleSet`) before the first activation; from each
 * activation's `effectiveFrom` (the pipeline watermark alerting knew at activation) on, that
 * activation's rule set, until the next; the later of two at the same point wins. Immutable: a
 * batch of score changes evaluated with one timeline sees one history throughout.
 */
export type RuleSetTimeline = ConfigTimeline<RuleSet>;
export const RuleSetTimeline = ConfigTimeline;
