import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, ConfigActivationsReader, ConfigVersionStore, HealthRegistry } from '@bellwether/platform';
import { formatValidationError, type PlaybookDefinition, type PlaybookSet, type PlaybookTimeline, playbookTimelineOf, validatePlaybookSet } from '@bellwether/playbook-domain';
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
 * compacted `bellwether.config-activations.v1` (libs/platform's `ConfigActivationsReader`). Every
 * replica reads the same records in the same order, so each starts a trigger's runs with the same
 * set. The stored versions are read at start too, so a run started by a set the topic no longer
 * holds (compaction) still finds its definition. Not ready (readiness `playbooks`), and `caughtUp`
 * not resolved, before it has read what the topic held at start: the runner waits for it.
 */
@Injectable()
export class PlaybookActivations extends PlaybookSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private stored: readonly PlaybookSet[] = [];
  private readonly reader: ConfigActivationsReader<PlaybookSet, PlaybookTimeline>;

  constructor(
    kafka: KafkaConnection,
    @Inject(PLAYBOOK_BASE) private readonly base: PlaybookSet,
    private readonly versions: ConfigVersionStore,
    health: HealthRegistry,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    super();
    this.reader = new ConfigActivationsReader(
      kafka,
      {
        kind: PLAYBOOKS_KIND,
        parse: parsePlaybookSet,
        initial: playbookTimelineOf(base),
        add: (timeline, activation) => timeline.with(activation),
        latestVersion: (timeline) => timeline.latest.version,
        check: 'playbooks',
        versionOf: (set) => set.version,
      },
      health,
      logger,
    );
  }

  /** After every module's init: the Kafka module has created the topics, the migrations have run. */
  async onApplicationBootstrap(): Promise<void> {
    this.stored = (await this.versions.list(PLAYBOOKS_KIND)).flatMap((version) => {
      const parsed = parsePlaybookSet(version.body);
      return parsed.ok ? [parsed.config] : [];
    });
    await this.reader.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  timeline(): PlaybookTimeline {
    return this.reader.timeline();
  }

  known(): readonly PlaybookSet[] {
    return [...this.reader.timeline().activations.map((activation) => activation.config).reverse(), ...this.stored, this.base];
  }

  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Activation records whose body is not a valid set of playbooks (skipped; counted here and logged). */
  get refusedRecords(): number {
    return this.reader.refusedRecords;
  }
}

/** A set of playbooks from a stored body or an activation record (`validatePlaybookSet`), each problem as `path: message`. */
export function parsePlaybookSet(body: unknown): { readonly ok: true; readonly config: PlaybookSet } | { readonly ok: false; readonly problems: readonly string[] } {
  const validated = validatePlaybookSet(body);
  return validated.ok ? { ok: true, config: validated.set } : { ok: false, problems: validated.errors.map(formatValidationError) };
}
