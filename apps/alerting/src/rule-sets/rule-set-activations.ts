import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ConfigActivationRecord, Topics, validateConfigActivationRecord } from '@bellwether/contracts';
import { type RuleSet, ruleSetFromConfig, RuleSetTimeline, scoreRuleParams } from '@bellwether/alerting-domain';
import { CompactedTopicReader, decoderFrom, KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, HealthRegistry } from '@bellwether/platform';
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
  const timeline = RuleSetTimeline.of(ruleSet);
  return { timeline: () => timeline, caughtUp: Promise.resolve() };
}

/**
 * The alert rule sets in force over event time on this replica (issue 18 §1), as scoring's
 * `ScorecardActivations`: the RULES_FILE (or built-in default) rule set before any activation,
 * then every activation of kind `rule-set` read from the compacted
 * `bellwether.config-activations.v1` (a `CompactedTopicReader` from the beginning), as a
 * `RuleSetTimeline`. Every replica reads the same records in the same order, so each evaluates a
 * score change's event time with the same rule set. Not ready (readiness `rule-sets`), and
 * `caughtUp` not resolved, before it has read what the topic held at start: the score-changes
 * consumer waits for it, so no change is evaluated with a rule set that was already replaced.
 * Records of other kinds (scoring's scorecards) are skipped.
 */
@Injectable()
export class RuleSetActivations extends RuleSetSource implements OnApplicationBootstrap, OnApplicationShutdown {
  private current: RuleSetTimeline;
  private readonly reader: CompactedTopicReader<ConfigActivationRecord, true>;
  private refused = 0;

  constructor(
    kafka: KafkaConnection,
    @Inject(RULE_SET) base: RuleSet,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    super();
    this.current = RuleSetTimeline.of(base);
    this.reader = new CompactedTopicReader(kafka, { topic: Topics.configActivations, decode: decoderFrom(validateConfigActivationRecord), apply: (record) => this.apply(record) });
  }

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('rule-sets', () =>
      this.reader.isReady ? { ok: true, detail: `in force: ${this.current.latest.version}` } : { ok: false, detail: `still reading ${Topics.configActivations}` },
    );
    this.health.registerLiveness('rule-sets', () => this.reader.liveness());
    await this.reader.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  timeline(): RuleSetTimeline {
    return this.current;
  }

  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  /** Activation records of kind `rule-set` whose body is not a valid rule set, or not valid records at all (skipped; counted and logged). */
  get refusedRecords(): number {
    return this.refused + this.reader.rejectedRecords;
  }

  private apply(record: ConfigActivationRecord): true | null {
    if (record.kind !== 'rule-set') return null;
    const validated = ruleSetFromConfig(record.body, scoreRuleParams);
    if (!validated.ok) {
      // Validated before it was stored; a record that fails here was written by something else.
      this.refused += 1;
      this.logger.warn({ version: record.version, problems: validated.problems }, 'rule set activation skipped: its body is not a valid rule set');
      return null;
    }
    const next = this.current.with({ effectiveFrom: record.effectiveFrom, activatedAt: record.activatedAt, config: validated.ruleSet });
    if (next === null) return null;
    this.current = next;
    this.logger.info({ version: record.version, effectiveFrom: record.effectiveFrom }, 'rule set activation read');
    return true;
  }
}
