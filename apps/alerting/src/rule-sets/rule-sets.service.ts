import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { RuleSet } from '@bellwether/alerting-domain';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, ConfigVersionAdmin, ConfigVersionStore, Outbox, PipelineClock, Transactions } from '@bellwether/platform';
import { RULE_SET } from '../alerts/rule-set.provider';
import { parseRuleSet, RuleSetSource } from './rule-set-activations';

/**
 * Alert rule set versions as immutable data (issue 18 §1), as scoring's scorecards: the
 * libs/platform `ConfigVersionAdmin` of kind `rule-set` (create a draft, validate, activate, roll
 * back; each change audited and each activation published in its transaction). A body is checked
 * whole by `ruleSetFromConfig`, as RULES_FILE (a rule it leaves out does not run). The
 * activation's `effectiveFrom` is the pipeline time alerting knows (`PipelineClock.now()`): in
 * `CLOCK_MODE=event` scoring's watermark as read from `bellwether.watermarks.v1` (the Unix epoch
 * before the first), in `wall` mode the wall clock. At start, the RULES_FILE (or default) set is
 * stored as the first active version.
 */
@Injectable()
export class RuleSetsService extends ConfigVersionAdmin<RuleSet> implements OnApplicationBootstrap {
  constructor(
    transactions: Transactions,
    versions: ConfigVersionStore,
    audits: AdminAuditLog,
    outbox: Outbox,
    pipelineClock: PipelineClock,
    activations: RuleSetSource,
    clock: Clock,
    @Inject(RULE_SET) base: RuleSet,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    super(
      { transactions, versions, audits, outbox, clock, logger },
      {
        kind: 'rule-set',
        noun: 'rule set',
        fileVariable: 'RULES_FILE',
        base,
        parse: parseRuleSet,
        effectiveFrom: () => Promise.resolve(pipelineClock.now()),
        inForce: () => activations.timeline().latest.version,
      },
    );
  }

  onApplicationBootstrap(): Promise<void> {
    return this.storeBase();
  }
}
