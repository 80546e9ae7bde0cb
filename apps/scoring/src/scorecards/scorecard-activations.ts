import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ConfigActivationRecord, Topics, validateConfigActivationRecord } from '@bellwether/contracts';
import { CompactedTopicReader, decoderFrom, KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, HealthRegistry } from '@bellwether/platform';
import { type Scorecard, scorecardFromConfig, ScorecardTimeline } from '@bellwether/scoring-domain';
import { SCORECARD } from '../scores/scorecard.provider';

/**
 * Where scoring reads the scorecards in force over event time: the timeline as read so far, and
 * whether the activations held at start are read. Abstract, so orchestration tests hand in
 * `fixedScorecards`; the module provides `ScorecardActivations`.
 */
export abstract class ScorecardSource {
  /** The timeline as read so far (immutable: a batch keeps the one it started with). */
  abstract timeline(): ScorecardTimeline;
  /** Resolves once the activations the topic held at start are read. */
  abstract readonly caughtUp: Promise<void>;
}

/** One scorecard for every event time, caught up from the start (for tests). */
export function fixedScorecards(scorecard: Scorecard): ScorecardSource {
  const timeline = ScorecardTimeline.of(scorecard);
  return { timeline: () => timeline, caughtUp: Promise.resolve() };
}

/**
 * The scorecards in force over event time on this replica (issue 18 §1): the SCORECARD_FILE (or
 * default) scorecard before any activation, then every activation read from the compacted
 * `bellwether.config-activations.v1` (a `CompactedTopicReader` from the beginning), as a
 * `ScorecardTimeline`. Every replica reads the same records in the same order, so each evaluates
 * an event time with the same scorecard. Not ready (readiness `scorecards`), and `caughtUp` not
 * resolved, before it has read what the topic held at start: the events consumer and the day-roll
 * wait for it, so nothing is scored with a scorecard that was already replaced.
 */
@Injectable()
export class ScorecardActivations extends ScorecardSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private current: ScorecardTimeline;
  private readonly reader: CompactedTopicReader<ConfigActivationRecord, true>;
  private refused = 0;

  constructor(
    kafka: KafkaConnection,
    @Inject(SCORECARD) base: Scorecard,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    super();
    this.current = ScorecardTimeline.of(base);
    this.reader = new CompactedTopicReader(kafka, { topic: Topics.configActivations, decode: decoderFrom(validateConfigActivationRecord), apply: (record) => this.apply(record) });
  }

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('scorecards', () =>
      this.reader.isReady ? { ok: true, detail: `in force: ${this.current.latest.version}` } : { ok: false, detail: `still reading ${Topics.configActivations}` },
    );
    this.health.registerLiveness('scorecards', () => this.reader.liveness());
    await this.reader.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  /** The timeline as read so far (immutable: a batch keeps the one it started with). */
  timeline(): ScorecardTimeline {
    return this.current;
  }

  /** Resolves once the activations the topic held at start are read. */
  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Activation records whose body is not a valid scorecard (skipped; counted here and logged). */
  get refusedRecords(): number {
    return this.refused + this.reader.rejectedRecords;
  }

  private apply(record: ConfigActivationRecord): true | null {
    if (record.kind !== 'scorecard') return null;
    const validated = scorecardFromConfig(record.body);
    if (!validated.ok) {
      // Validated before it was stored; a record that fails here was written by something else.
      this.refused += 1;
      this.logger.warn({ version: record.version, problems: validated.problems }, 'scorecard activation skipped: its body is not a valid scorecard');
      return null;
    }
    const next = this.current.with({ effectiveFrom: record.effectiveFrom, activatedAt: record.activatedAt, config: validated.scorecard });
    if (next === null) return null;
    this.current = next;
    this.logger.info({ version: record.version, effectiveFrom: record.effectiveFrom }, 'scorecard activation read');
    return true;
  }
}
