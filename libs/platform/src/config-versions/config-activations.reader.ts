import { type ConfigActivationRecord, type ConfigTimelineActivation, Topics, validateConfigActivationRecord } from '@bellwether/contracts';
import { CompactedTopicReader, decoderFrom, type KafkaConnection } from '@bellwether/kafka';
import type { HealthRegistry } from '../health/health.registry';
import type { AppLogger } from '../logging/logger';

/** A configuration from a stored body, or each problem with it (`field: message`). */
export type ConfigParse<T> = (body: unknown) => { readonly ok: true; readonly config: T } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * What one kind's reader needs: its kind on the topic, how a body becomes a configuration, and its
 * timeline (`Timeline`: libs/contracts `ConfigTimeline`, or a kind's own over it, such as
 * `ScorecardTimeline`).
 */
export interface ConfigActivationsOptions<T, Timeline> {
  readonly kind: ConfigActivationRecord['kind'];
  readonly parse: ConfigParse<T>;
  /** The timeline before any activation: the service's file, or its built-in default, for every event time. */
  readonly initial: Timeline;
  /** The timeline with one more activation, or null when it is a repeat (the timeline's `with`). */
  readonly add: (timeline: Timeline, activation: ConfigTimelineActivation<T>) => Timeline | null;
  /** The version in force from now on (for readiness). */
  readonly latestVersion: (timeline: Timeline) => string;
  /** Name of the readiness and liveness checks (`scorecards`, `rule-sets`, `playbooks`). */
  readonly check: string;
  /** When given, a record whose body names another version than the record's is refused too. */
  readonly versionOf?: (config: T) => string;
}

/**
 * The versions of one configuration kind in force over event time on this replica (issue 18 §1):
 * the `initial` timeline (the file or default before any activation), then every activation of
 * `kind` read from the compacted `bellwether.config-activations.v1` (a `CompactedTopicReader`
 * from the beginning) added to it. Every replica reads the same records in the same order, so
 * each evaluates an event time with the same version. Records of other kinds are skipped; one
 * whose body `parse` refuses (not written by the admin API) is skipped, counted and logged. Not
 * ready (readiness `check`), and `caughtUp` not resolved, before it has read what the topic held
 * at `start`. Scoring's `ScorecardActivations`, alerting's `RuleSetActivations` and playbook's
 * `PlaybookActivations` wrap one.
 */
export class ConfigActivationsReader<T, Timeline> {
  private current: Timeline;
  private readonly reader: CompactedTopicReader<ConfigActivationRecord, true>;
  private refused = 0;

  constructor(
    kafka: KafkaConnection,
    private readonly options: ConfigActivationsOptions<T, Timeline>,
    private readonly health: HealthRegistry,
    private readonly logger: AppLogger,
  ) {
    this.current = options.initial;
    this.reader = new CompactedTopicReader(kafka, { topic: Topics.configActivations, decode: decoderFrom(validateConfigActivationRecord), apply: (record) => this.apply(record) });
  }

  /** Registers the readiness and liveness checks and starts reading (call after the topics exist). */
  async start(): Promise<void> {
    this.health.register(this.options.check, () =>
      this.reader.isReady ? { ok: true, detail: `in force: ${this.options.latestVersion(this.current)}` } : { ok: false, detail: `still reading ${Topics.configActivations}` },
    );
    this.health.registerLiveness(this.options.check, () => this.reader.liveness());
    await this.reader.start();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
  }

  /** The timeline as read so far (immutable: a batch keeps the one it started with). */
  timeline(): Timeline {
    return this.current;
  }

  /** Resolves once the activations the topic held at start are read. */
  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Records of this kind whose body is not a valid configuration, and records that are no valid activation at all (skipped). */
  get refusedRecords(): number {
    return this.refused + this.reader.rejectedRecords;
  }

  private apply(record: ConfigActivationRecord): true | null {
    if (record.kind !== this.options.kind) return null;
    const parsed = this.options.parse(record.body);
    const problems = !parsed.ok ? parsed.problems : this.options.versionOf && this.options.versionOf(parsed.config) !== record.version ? ['version: differs from the record'] : [];
    if (!parsed.ok || problems.length > 0) {
      // Validated before it was stored; a record that fails here was written by something else.
      this.refused += 1;
      this.logger.warn({ kind: record.kind, version: record.version, problems }, 'configuration activation skipped: its body is not valid');
      return null;
    }
    const next = this.options.add(this.current, { effectiveFrom: record.effectiveFrom, activatedAt: record.activatedAt, version: record.version, config: parsed.config });
    if (next === null) return null;
    this.current = next;
    this.logger.info({ kind: record.kind, version: record.version, effectiveFrom: record.effectiveFrom }, 'configuration activation read');
    return true;
  }
}
