import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, ConfigVersionAdmin, ConfigVersionStore, Outbox, Transactions } from '@bellwether/platform';
import type { Scorecard } from '@bellwether/scoring-domain';
import { SCORECARD } from '../scores/scorecard.provider';
import { WatermarkRepository } from '../scores/watermark.repository';
import { parseScorecard, ScorecardSource } from './scorecard-activations';

/**
 * Scorecard versions as immutable data (issue 18 §1): the libs/platform `ConfigVersionAdmin` of
 * kind `scorecard` (create a draft from a body, `scorecardFromConfig`: nothing stored when it is
 * refused; activate a version or roll back; each change audited and each activation published on
 * `bellwether.config-activations.v1` in its transaction). The record's `effectiveFrom` is the
 * pipeline watermark as stored at that moment, so every replica (and a replay) switches at the
 * same event time. At start, the SCORECARD_FILE (or default) scorecard is stored as the first
 * active version.
 */
@Injectable()
export class ScorecardsService extends ConfigVersionAdmin<Scorecard> implements OnApplicationBootstrap {
  constructor(
    transactions: Transactions,
    versions: ConfigVersionStore,
    audits: AdminAuditLog,
    outbox: Outbox,
    watermarks: WatermarkRepository,
    activations: ScorecardSource,
    clock: Clock,
    @Inject(SCORECARD) base: Scorecard,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    super(
      { transactions, versions, audits, outbox, clock, logger },
      {
        kind: 'scorecard',
        noun: 'scorecard',
        fileVariable: 'SCORECARD_FILE',
        base,
        parse: parseScorecard,
        effectiveFrom: async (manager) => (await watermarks.readWatermark(manager)).watermark,
        inForce: () => activations.timeline().latest.version,
      },
    );
  }

  onApplicationBootstrap(): Promise<void> {
    return this.storeBase();
  }
}
