import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { RuleSet } from '@bellwether/alerting-domain';
import { activationPoint } from '@bellwether/contracts';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, ConfigVersionAdmin, ConfigVersionStore, OutboxRelay, PipelineClock, Transactions } from '@bellwether/platform';
import { AlertRepository } from '../alerts/alert.repository';
import { ALERTING_SCHEMA } from '../migrations';
import { RULE_SET } from '../alerts/rule-set.provider';
import { parseRuleSet, RuleSetSource } from './rule-set-activations';

/**
 * Alert rule set versions as immutable data (issue 18 §1), as scoring's scorecards: the
 * libs/platform `ConfigVersionAdmin` of kind `rule-set` (create a draft, validate, activate, roll
 * back; each change audited and each activation published in its transaction). A body is checked
 * whole by `ruleSetFromConfig`, as RULES_FILE (a rule it leaves out does not run). The
 * activation's `effectiveFrom` is 1 ms after the newest score change event time alerting has
 * processed (`alerting.change_watermarks`), never before the pipeline time it knows
 * (`PipelineClock.now()`: in `CLOCK_MODE=event` scoring's watermark as read from
 * `bellwether.watermarks.v1`, in `wall` mode the wall clock): `activationPoint`. At start, the RULES_FILE (or default) set is
 * stored as the first active version.
 */
@Injectable()
export class RuleSetsService extends ConfigVersionAdmin<RuleSet> implements OnApplicationBootstrap {
  constructor(
    transactions: Transactions,
    versions: ConfigVersionStore,
    audits: AdminAuditLog,
    relay: OutboxRelay,
    alerts: AlertRepository,
    pipelineClock: PipelineClock,
    activations: RuleSetSource,
    clock: Clock,
    @Inject(RULE_SET) base: RuleSet,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    super(
      { transactions, versions, audits, schema: ALERTING_SCHEMA, relay, clock, logger },
      {
        kind: 'rule-set',
        noun: 'rule set',
        fileVariable: 'RULES_FILE',
        base,
        parse: parseRuleSet,
        // After every score change already evaluated, never before the pipeline time (timers follow it).
        effectiveFrom: async (manager) => activationPoint(pipelineClock.now(), await alerts.changeWatermarks(manager)),
        inForce: () => activations.timeline().latest.version,
      },
    );
  }

  onApplicationBootstrap(): Promise<void> {
    return this.storeBase();
  }
}
