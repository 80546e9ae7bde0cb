import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type RuleSet, ruleSetFromConfig, ruleSetTimeline, type RuleSetTimeline, scoreRuleParams } from '@bellwether/alerting-domain';
import { KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, ConfigActivationsReader, type ConfigParse, HealthRegistry } from '@bellwether/platform';
import { RULE_SET } from '../alerts/rule-set.provider';

/**
 * Where alerting reads the rule sets in force over event time: the timeline as read so far, and
 * whether the activations held at start are read. Abstract, so orchestration tests hand in
 * `fixedRuleSets`; the module provides `RuleSetActivations`.
 */
export abstract class RuleSetSource {
  /** The timeline as read so far (immutable: a batch keeps the one it started with). */
  abstract timeline(): RuleSetTimeline;
  /** Resolves once the activations the topic held at start are read. */
  abstract readonly caughtUp: Promise<void>;
}

/** One rule set for every event time, caught up from the start (for tests). */
export function fixedRuleSets(ruleSet: RuleSet): RuleSetSource {
  const timeline = ruleSetTimeline(ruleSet);
  return { timeline: () => timeline, caughtUp: Promise.resolve() };
}

/** A rule set from a stored or posted body, whole, as RULES_FILE (`ruleSetFromConfig` with this service's evaluators). */
export const parseRuleSet: ConfigParse<RuleSet> = (body) => {
  const result = ruleSetFromConfig(body, scoreRuleParams);
  return result.ok ? { ok: true, config: result.ruleSet } : result;
};

/**
 * The alert rule sets in force over event time on this replica (issue 18 §1), as scoring's
 * `ScorecardActivations`: a libs/platform `ConfigActivationsReader` of kind `rule-set` on the
 * compacted `bellwether.config-activations.v1`, the RULES_FILE (or built-in default) rule set
 * before any activation. Every replica reads the same records in the same order, so each
 * evaluates a score change's event time with the same rule set. Not ready (readiness
 * `rule-sets`), and `caughtUp` not resolved, before it has read what the topic held at start: the
 * score-changes consumer waits for it, so no change is evaluated with a rule set that was already
 * replaced. Scoring's scorecard records on the topic are skipped.
 */
@Injectable()
export class RuleSetActivations extends RuleSetSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly reader: ConfigActivationsReader<RuleSet, RuleSetTimeline>;

  constructor(kafka: KafkaConnection, @Inject(RULE_SET) base: RuleSet, health: HealthRegistry, @Inject(APP_LOGGER) logger: AppLogger) {
    super();
    this.reader = new ConfigActivationsReader(
      kafka,
      { kind: 'rule-set', parse: parseRuleSet, initial: ruleSetTimeline(base), add: (timeline, activation) => timeline.with(activation), latestVersion: (timeline) => timeline.latest.version, check: 'rule-sets' },
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

  timeline(): RuleSetTimeline {
    return this.reader.timeline();
  }

  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Activation records of kind `rule-set` whose body is not a valid rule set, or not valid records at all (skipped). */
  get refusedRecords(): number {
    return this.reader.refusedRecords;
  }
}
