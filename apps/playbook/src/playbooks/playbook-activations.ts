import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ConfigActivationRecord, Topics, validateConfigActivationRecord } from '@bellwether/contracts';
import { CompactedTopicReader, decoderFrom, KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, ConfigVersionStore, HealthRegistry } from '@bellwether/platform';
import { type PlaybookDefinition, type PlaybookSet, type PlaybookTimeline, playbookTimelineOf, validatePlaybookSet } from '@bellwether/playbook-domain';
import { PLAYBOOK_BASE } from '../runs/playbook-definitions';

/** The configuration kind of the playbook sets (`config_versions.kind`, the activation record's key). */
export const PLAYBOOKS_KIND = 'playbooks';

/**
 * Where playbook reads the sets of playbooks: the timeline in force over event time as read so
 * far, every set it knows (for runs already started), and whether the activations held at start
 * are read. Abstract, so orchestration tests hand in `fixedPlaybooks`; the module provides
 * `PlaybookActivations`.
 */
export abstract class PlaybookSource {
  /** The timeline as read so far (immutable: a batch keeps the one it started with). */
  abstract timeline(): PlaybookTimeline;
  /** Every set this replica knows, newest first: the activations read, the stored versions, the base. */
  abstract known(): readonly PlaybookSet[];
  /** Resolves once the activations the topic held at start are read. */
  abstract readonly caughtUp: Promise<void>;
}

/** One set for every event time, caught up from the start (for tests); a list of definitions is the set `test`. */
export function fixedPlaybooks(playbooks: PlaybookSet | readonly PlaybookDefinition[]): PlaybookSource {
  const set: PlaybookSet = 'version' in playbooks ? playbooks : { version: 'test', playbooks: playbooks as readonly PlaybookDefinition[] };
  const timeline = playbookTimelineOf(set);
  return { timeline: () => timeline, known: () => [set], caughtUp: Promise.resolve() };
}

/**
 * The sets of playbooks in force over event time on this replica (issue 18 §1): the PLAYBOOKS_DIR
 * (or built-in) set before any activation, then every `playbooks` activation read from the
 * compacted `bellwether.config-activations.v1` (a `CompactedTopicReader` from the beginning). Every
 * replica reads the same records in the same order, so each starts a trigger's runs with the same
 * set. The stored versions are read at start too, so a run started by a set the topic no longer
 * holds (compaction) still finds its definition. Not ready (readiness `playbooks`), and `caughtUp`
 * not resolved, before it has read what the topic held at start: the runner waits for it.
 */
@Injectable()
export class PlaybookActivations extends PlaybookSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private current: PlaybookTimeline;
  private stored: readonly PlaybookSet[] = [];
  private readonly reader: CompactedTopicReader<ConfigActivationRecord, true>;
  private refused = 0;

  constructor(
    kafka: KafkaConnection,
    @Inject(PLAYBOOK_BASE) private readonly base: PlaybookSet,
    private readonly versions: ConfigVersionStore,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    super();
    this.current = playbookTimelineOf(base);
    this.reader = new CompactedTopicReader(kafka, { topic: Topics.configActivations, decode: decoderFrom(validateConfigActivationRecord), apply: (record) => this.apply(record) });
  }

  /** After every module's init: the Kafka module has created the topics, the migrations have run. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('playbooks', () =>
      this.reader.isReady ? { ok: true, detail: `in force: ${this.current.latest.version}` } : { ok: false, detail: `still reading ${Topics.configActivations}` },
    );
    this.health.registerLiveness('playbooks', () => this.reader.liveness());
    this.stored = (await this.versions.list(PLAYBOOKS_KIND)).flatMap((version) => {
      const validated = validatePlaybookSet(version.body);
      return validated.ok ? [validated.set] : [];
    });
    await this.reader.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  timeline(): PlaybookTimeline {
    return this.current;
  }

  known(): readonly PlaybookSet[] {
    return [...this.current.activations.map((activation) => activation.config).reverse(), ...this.stored, this.base];
  }

  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Activation records whose body is not a valid set of playbooks (skipped; counted here and logged). */
  get refusedRecords(): number {
    return this.refused + this.reader.rejectedRecords;
  }

  private apply(record: ConfigActivationRecord): true | null {
    if (record.kind !== PLAYBOOKS_KIND) return null;
    const validated = validatePlaybookSet(record.body);
    if (!validated.ok || validated.set.version !== record.version) {
      // Validated before it was stored; a record that fails here was written by something else.
      this.refused += 1;
      this.logger.warn({ version: record.version, problems: validated.ok ? ['version: differs from the record'] : validated.errors }, 'playbooks activation skipped: its body is not a valid set of playbooks');
      return null;
    }
    const next = this.current.with({ effectiveFrom: record.effectiveFrom, activatedAt: record.activatedAt, version: record.version, config: validated.set });
    if (next === null) return null;
    this.current = next;
    this.logger.info({ version: record.version, effectiveFrom: record.effectiveFrom }, 'playbooks activation read');
    return true;
  }
}
