/**
 * A configuration version id (scorecards, rule sets, playbook sets): usable in a URL path, and
 * within the 100 characters of a `bellwether.config-activations.v1` record's `version`.
 */
export const CONFIG_VERSION_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/** A configuration version activated from an event time on (a `bellwether.config-activations.v1` record, its body validated). */
export interface ConfigTimelineActivation<T> {
  /** ISO-8601 event time from which it is in force (`activationPoint` at activation). */
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

/** The event time a configuration activated before anything was processed takes effect from: the Unix epoch. */
export const BEFORE_ANY_EVENT = '1970-01-01T00:00:00.000Z';

/**
 * The event time from which a configuration activated now applies (`ConfigActivationRecord.effectiveFrom`):
 * 1 ms after the newest event time the owning service has already decided anything with
 * (`newestProcessed`, ISO-8601: scoring's per-partition watermarks, the trigger times playbook
 * and alerting have processed per partition), and never before `floor` (the pipeline watermark,
 * which timers and day closes follow). Everything decided before the activation then lies before
 * this point, so a replay, or a replica started later, which evaluates each time with the version
 * in force then, decides it with the version that decided it live. The pipeline watermark alone
 * (a minimum over partitions) would put what a faster partition had already decided after the
 * switch. Input processed after the activation with an earlier time (a slower partition, a late
 * event) gets the old version live and in a replay alike. `BEFORE_ANY_EVENT` when nothing was
 * processed. Pure.
 */
export function activationPoint(floor: string | null, newestProcessed: Iterable<string>): string {
  let newest = floor === null ? Number.NEGATIVE_INFINITY : Date.parse(floor);
  for (const time of newestProcessed) newest = Math.max(newest, Date.parse(time));
  return Number.isFinite(newest) ? new Date(newest + 1).toISOString() : BEFORE_ANY_EVENT;
}
