import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { activationPoint } from '@bellwether/contracts';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, ConfigVersionAdmin, ConfigVersionStore, OutboxRelay, Transactions } from '@bellwether/platform';
import { SCORING_SCHEMA } from '../migrations';
import type { Scorecard } from '@bellwether/scoring-domain';
import { SCORECARD } from '../scores/scorecard.provider';
import { WatermarkRepository } from '../scores/watermark.repository';
import { parseScorecard, ScorecardSource } from './scorecard-activations';

/**
 * Scorecard versions as immutable data (issue 18 §1): the libs/platform `ConfigVersionAdmin` of
 * kind `scorecard` (create a draft from a body, `scorecardFromConfig`: nothing stored when it is
 * refused; activate a version or roll back; each change audited and each activation published on
 * `bellwether.config-activations.v1` in its transaction, published right after it). The record's
 * `effectiveFrom` is 1 ms after the newest event time any partition has scored, never before the
 * pipeline watermark (`activationPoint`), so every replica (and a replay) switches at the same
 * event time and nothing already scored falls after it. At start, the SCORECARD_FILE (or default) scorecard is stored as the first
 * active version.
 */
@Injectable()
export class ScorecardsService extends ConfigVersionAdmin<Scorecard> implements OnApplicationBootstrap {
  constructor(
    transactions: Transactions,
    versions: ConfigVersionStore,
    audits: AdminAuditLog,
    relay: OutboxRelay,
    watermarks: WatermarkRepository,
    activations: ScorecardSource,
    clock: Clock,
    @Inject(SCORECARD) base: Scorecard,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    super(
      { transactions, versions, audits, schema: SCORING_SCHEMA, relay, clock, logger },
      {
        kind: 'scorecard',
        noun: 'scorecard',
        fileVariable: 'SCORECARD_FILE',
        base,
        parse: parseScorecard,
        // After the newest event time any partition scored, never before the pipeline watermark.
        effectiveFrom: async (manager) => activationPoint((await watermarks.readWatermark(manager)).watermark, (await watermarks.settledPartitionWatermarks(manager)).values()),
        inForce: () => activations.timeline().latest.version,
      },
    );
  }

  onApplicationBootstrap(): Promise<void> {
    return this.storeBase();
  }
}
