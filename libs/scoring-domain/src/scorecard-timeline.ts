import { ConfigTimeline, type ConfigTimelineActivation } from '@bellwether/contracts';
import type { Scorecard } from './scorecard';

/** A scorecard version activated from an event time on (a `bellwether.config-activations.v1` record, validated). */
export type ScorecardActivation = ConfigTimelineActivation<Scorecard>;

/**
 * Which scorecard is in force at an event time (issue 18 §1): the shared `ConfigTimeline`
 * (libs/contracts) over scorecards: `base` (SCORECARD_FILE, or the default) before the first
 * activation; from each activation's `effectiveFrom` on, that activation's scorecard, until the
 * next, the later of two at the same point winning. Immutable.
 */
export type ScorecardTimeline = ConfigTimeline<Scorecard>;
export const ScorecardTimeline = ConfigTimeline;

/** One scorecard for every event time, or a timeline of activations. */
export type Scorecards = Scorecard | ScorecardTimeline;

/** The scorecard of `scorecards` in force at `eventTime` (ISO-8601). */
export function scorecardAt(scorecards: Scorecards, eventTime: string): Scorecard {
  return scorecards instanceof ConfigTimeline ? scorecards.at(eventTime) : scorecards;
}
