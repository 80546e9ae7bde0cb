import type { Scorecard } from './scorecard';

/** A scorecard version activated from an event time on (a `bellwether.config-activations.v1` record, validated). */
export interface ScorecardActivation {
  /** ISO-8601 event time from which it is in force (the pipeline watermark at activation). */
  readonly effectiveFrom: string;
  /** ISO-8601 wall time of the activation: tells a repeat of a record from a new activation. */
  readonly activatedAt: string;
  readonly scorecard: Scorecard;
}

/**
 * Which scorecard is in force at an event time (issue 18 §1): `base` (SCORECARD_FILE, or the
 * default) before the first activation; from each activation's `effectiveFrom` on, that
 * activation's scorecard, until the next. Activations are kept in the order they were made (the
 * activation topic's order); effectiveFrom never goes back (it is the forward-only pipeline
 * watermark), and of two with the same effectiveFrom the later one wins. Immutable: `with`
 * returns a new timeline, so a batch evaluated with one timeline sees one history throughout.
 */
export class ScorecardTimeline {
  private constructor(
    readonly base: Scorecard,
    readonly activations: readonly ScorecardActivation[],
  ) {}

  static of(base: Scorecard, activations: readonly ScorecardActivation[] = []): ScorecardTimeline {
    return activations.reduce((timeline, activation) => timeline.with(activation) ?? timeline, new ScorecardTimeline(base, []));
  }

  /** The scorecard in force at `eventTime` (ISO-8601, compared as the canonical UTC text). */
  at(eventTime: string): Scorecard {
    for (let index = this.activations.length - 1; index >= 0; index -= 1) {
      const activation = this.activations[index] as ScorecardActivation;
      if (activation.effectiveFrom <= eventTime) return activation.scorecard;
    }
    return this.base;
  }

  /** The newest activation's scorecard (what applies from now on), else the base. */
  get latest(): Scorecard {
    return this.activations[this.activations.length - 1]?.scorecard ?? this.base;
  }

  /**
   * The timeline with `activation` added, or null when it changes nothing (a repeat of a known
   * activation). One whose effectiveFrom is before the newest one's is clamped to it: it was
   * made later, so it can only apply from there on.
   */
  with(activation: ScorecardActivation): ScorecardTimeline | null {
    const known = this.activations.some((candidate) => candidate.activatedAt === activation.activatedAt && candidate.scorecard.version === activation.scorecard.version);
    if (known) return null;
    const newest = this.activations[this.activations.length - 1];
    const effectiveFrom = newest && newest.effectiveFrom > activation.effectiveFrom ? newest.effectiveFrom : activation.effectiveFrom;
    return new ScorecardTimeline(this.base, [...this.activations, { ...activation, effectiveFrom }]);
  }
}

/** One scorecard for every event time, or a timeline of activations. */
export type Scorecards = Scorecard | ScorecardTimeline;

/** The scorecard of `scorecards` in force at `eventTime` (ISO-8601). */
export function scorecardAt(scorecards: Scorecards, eventTime: string): Scorecard {
  return scorecards instanceof ScorecardTimeline ? scorecards.at(eventTime) : scorecards;
}
