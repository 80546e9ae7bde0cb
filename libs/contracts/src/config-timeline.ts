/**
 * One version of a versioned configuration activated from an event time on (a validated
 * `bellwether.config-activations.v1` record, its body turned into the configuration `T`).
 */
export interface ConfigTimelineActivation<T> {
  /** ISO-8601 event time from which it is in force (the pipeline watermark at activation). */
  readonly effectiveFrom: string;
  /** ISO-8601 wall time of the activation: tells a repeat of a record from a new activation. */
  readonly activatedAt: string;
  readonly config: T;
}

/**
 * Which version of a configuration (a scorecard, an alert rule set; issue 18 §1) is in force at an
 * event time: `base` (the service's file or built-in default) before the first activation; from
 * each activation's `effectiveFrom` on, that activation's configuration, until the next.
 * Activations are kept in the order they were made (the activation topic's order); effectiveFrom
 * never goes back (it is the forward-only pipeline watermark), and of two with the same
 * effectiveFrom the later one wins. Pure and immutable: `with` returns a new timeline, so a batch
 * evaluated with one timeline sees one history throughout. Shared by scoring's `ScorecardTimeline`
 * and alerting's `RuleSetTimeline`.
 */
export class ConfigTimeline<T extends { readonly version: string }> {
  private constructor(
    readonly base: T,
    readonly activations: readonly ConfigTimelineActivation<T>[],
  ) {}

  static of<T extends { readonly version: string }>(base: T, activations: readonly ConfigTimelineActivation<T>[] = []): ConfigTimeline<T> {
    return activations.reduce((timeline, activation) => timeline.with(activation) ?? timeline, new ConfigTimeline<T>(base, []));
  }

  /** The configuration in force at `eventTime` (ISO-8601, compared as the canonical UTC text). */
  at(eventTime: string): T {
    for (let index = this.activations.length - 1; index >= 0; index -= 1) {
      const activation = this.activations[index] as ConfigTimelineActivation<T>;
      if (activation.effectiveFrom <= eventTime) return activation.config;
    }
    return this.base;
  }

  /** The newest activation's configuration (what applies from now on), else the base. */
  get latest(): T {
    return this.activations[this.activations.length - 1]?.config ?? this.base;
  }

  /**
   * The timeline with `activation` added, or null when it changes nothing (a repeat of a known
   * activation: same `activatedAt` and version). One whose effectiveFrom is before the newest
   * one's is clamped to it: it was made later, so it can only apply from there on.
   */
  with(activation: ConfigTimelineActivation<T>): ConfigTimeline<T> | null {
    const known = this.activations.some((candidate) => candidate.activatedAt === activation.activatedAt && candidate.config.version === activation.config.version);
    if (known) return null;
    const newest = this.activations[this.activations.length - 1];
    const effectiveFrom = newest && newest.effectiveFrom > activation.effectiveFrom ? newest.effectiveFrom : activation.effectiveFrom;
    return new ConfigTimeline<T>(this.base, [...this.activations, { ...activation, effectiveFrom }]);
  }
}
