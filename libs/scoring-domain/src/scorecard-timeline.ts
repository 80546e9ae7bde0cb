import { ConfigTimeline } from '@bellwether/contracts';
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
 * activation's scorecard, until the next. The rules are libs/contracts' `ConfigTimeline` (shared
 * with the playbook sets): activations kept in the order they were made (the activation topic's
 * order), effectiveFrom never going back, the later of two at the same point winning, a repeat
 * ignored. Immutable: `with` returns a new timeline, so a batch evaluated with one timeline sees
 * one history throughout.
 */
export class ScorecardTimeline {
  private constructor(
    readonly base: Scorecard,
    private readonly timeline: ConfigTimeline<Scorecard>,
  ) {}

  static of(base: Scorecard, activations: readonly ScorecardActivation[] = []): ScorecardTimeline {
    return activations.reduce((timeline, activation) => timeline.with(activation) ?? timeline, new ScorecardTimeline(base, ConfigTimeline.of({ version: base.version, config: base })));
  }

  /** The activations read, oldest first (effectiveFrom clamped to never go back). */
  get activations(): readonly ScorecardActivation[] {
    return this.timeline.activations.map(({ effectiveFrom, activatedAt, config }) => ({ effectiveFrom, activatedAt, scorecard: config }));
  }

  /** The scorecard in force at `eventTime` (ISO-8601, compared as the canonical UTC text). */
  at(eventTime: string): Scorecard {
    return this.timeline.at(eventTime).config;
  }

  /** The newest activation's scorecard (what applies from now on), else the base. */
  get latest(): Scorecard {
    return this.timeline.latest.config;
  }

  /**
   * The timeline with `activation` added, or null when it changes nothing (a repeat of a known
   * activation). One whose effectiveFrom is before the newest one's is clamped to it: it was
   * made later, so it can only apply from there on.
   */
  with(activation: ScorecardActivation): ScorecardTimeline | null {
    const next = this.timeline.with({ effectiveFrom: activation.effectiveFrom, activatedAt: activation.activatedAt, version: activation.scorecard.version, config: activation.scorecard });
    return next === null ? null : new ScorecardTimeline(this.base, next);
  }
}

/** One scorecard for every event time, or a timeline of activations. */
export type Scorecards = Scorecard | ScorecardTimeline;

/** The scorecard of `scorecards` in force at `eventTime` (ISO-8601). */
export function scorecardAt(scorecards: Scorecards, eventTime: string): Scorecard {
  return scorecards instanceof ScorecardTimeline ? scorecards.at(eventTime) : scorecards;
}
