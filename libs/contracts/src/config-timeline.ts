/** A configuration version activated from an event time on (a `bellwether.config-activations.v1` record, its body validated). */
export interface ConfigTimelineActivation<T> {
  /** ISO-8601 event time from which it is in force (the pipeline watermark at activation). */
  readonly effectiveFrom: string;
  /** ISO-8601 wall time of the activation: tells a repeat of a record from a new activation. */
  readonly activatedAt: string;
  /** The version id (`ConfigActivationRecord.version`). */
  readonly version: string;
  readonly config: T;
}

/**
 * Which version of a configuration is in force at an event time (issue 18 §1;
 * docs/architecture.md "Configuration versions"), for any kind (the playbooks; the shape of
 * scoring-domain's `ScorecardTimeline`): `base` (the file or built-in configuration) before the
 * first activation; from each activation's `effectiveFrom` on, that activation's configuration,
 * until the next. Activations are kept in the order they were made (the activation topic's
 * order); effectiveFrom never goes back (it is the forward-only pipeline watermark), and of two with
 * the same effectiveFrom the later one wins. Immutable: `with` returns a new timeline, so a batch
 * evaluated with one timeline sees one history throughout. Pure.
 */
export class ConfigTimeline<T> {
  private constructor(
    readonly base: ConfigTimelineActivation<T>,
    readonly activations: readonly ConfigTimelineActivation<T>[],
  ) {}

  /** `base` is the version in force before any activation (its times are not read). */
  static of<T>(base: { readonly version: string; readonly config: T }, activations: readonly ConfigTimelineActivation<T>[] = []): ConfigTimeline<T> {
    const start = new ConfigTimeline<T>({ ...base, effectiveFrom: '', activatedAt: '' }, []);
    return activations.reduce((timeline, activation) => timeline.with(activation) ?? timeline, start);
  }

  /** The version in force at `eventTime` (ISO-8601, compared as the canonical UTC text). */
  at(eventTime: string): ConfigTimelineActivation<T> {
    for (let index = this.activations.length - 1; index >= 0; index -= 1) {
      const activation = this.activations[index] as ConfigTimelineActivation<T>;
      if (activation.effectiveFrom <= eventTime) return activation;
    }
    return this.base;
  }

  /** The newest activation (what applies from now on), else the base. */
  get latest(): ConfigTimelineActivation<T> {
    return this.activations[this.activations.length - 1] ?? this.base;
  }

  /**
   * The timeline with `activation` added, or null when it changes nothing (a repeat of a known
   * activation: same version and activatedAt). One whose effectiveFrom is before the newest one's
   * is clamped to it: it was made later, so it can only apply from there on.
   */
  with(activation: ConfigTimelineActivation<T>): ConfigTimeline<T> | null {
    if (this.activations.some((candidate) => candidate.activatedAt === activation.activatedAt && candidate.version === activation.version)) return null;
    const newest = this.activations[this.activations.length - 1];
    const effectiveFrom = newest && newest.effectiveFrom > activation.effectiveFrom ? newest.effectiveFrom : activation.effectiveFrom;
    return new ConfigTimeline(this.base, [...this.activations, { ...activation, effectiveFrom }]);
  }
}
