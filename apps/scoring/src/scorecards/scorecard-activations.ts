import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, ConfigActivationsReader, type ConfigParse, HealthRegistry } from '@bellwether/platform';
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

/** A scorecard from a stored or posted body, laid over the default (`scorecardFromConfig`). */
export const parseScorecard: ConfigParse<Scorecard> = (body) => {
  const result = scorecardFromConfig(body);
  return result.ok ? { ok: true, config: result.scorecard } : result;
};

/**
 * The scorecards in force over event time on this replica (issue 18 §1): a libs/platform
 * `ConfigActivationsReader` of kind `scorecard` on the compacted
 * `bellwether.config-activations.v1`, the SCORECARD_FILE (or default) scorecard before any
 * activation, as a `ScorecardTimeline`. Every replica reads the same records in the same order,
 * so each evaluates an event time with the same scorecard. Not ready (readiness `scorecards`),
 * and `caughtUp` not resolved, before it has read what the topic held at start: the events
 * consumer and the day-roll wait for it, so nothing is scored with a scorecard that was already
 * replaced.
 */
@Injectable()
export class ScorecardActivations extends ScorecardSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly reader: ConfigActivationsReader<Scorecard, ScorecardTimeline>;

  constructor(kafka: KafkaConnection, @Inject(SCORECARD) base: Scorecard, health: HealthRegistry, @Inject(APP_LOGGER) logger: AppLogger) {
    super();
    this.reader = new ConfigActivationsReader(
      kafka,
      {
        kind: 'scorecard',
        parse: parseScorecard,
        initial: ScorecardTimeline.of(base),
        add: (timeline, { effectiveFrom, activatedAt, config }) => timeline.with({ effectiveFrom, activatedAt, scorecard: config }),
        latestVersion: (timeline) => timeline.latest.version,
        check: 'scorecards',
      },
      health,
      logger,
    );
  }

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    await this.reader.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  /** The timeline as read so far (immutable: a batch keeps the one it started with). */
  timeline(): ScorecardTimeline {
    return this.reader.timeline();
  }

  /** Resolves once the activations the topic held at start are read. */
  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Activation records whose body is not a valid scorecard, or not valid records at all (skipped). */
  get refusedRecords(): number {
    return this.reader.refusedRecords;
  }
}
