import { ScoringInit1763900000100 } from './1763900000100-scoring-init';
import { WatermarkAndReadModels1763900000101 } from './1763900000101-watermark-and-read-models';
import { DayClosing1763900000102 } from './1763900000102-day-closing';
import { ProcessedEventsRetention1763900000103 } from './1763900000103-processed-events-retention';
import { OutboxKeyIndex1763900000104 } from './1763900000104-outbox-key-index';
import { AccountStateLz41763900000105 } from './1763900000105-account-state-lz4';
import { AccountStateFillfactor1763900000106 } from './1763900000106-account-state-fillfactor';
import { ConfigVersionsAndAudit1763900000107 } from './1763900000107-config-versions-and-audit';
import { Rescores1763900000108 } from './1763900000108-rescores';
import { ScoreHistoryScorecardVersion1763900000109 } from './1763900000109-score-history-scorecard-version';

/** This service's Postgres schema: no other service reads or writes it. */
export const SCORING_SCHEMA = 'scoring';

/** Every migration of the schema, oldest first. */
export const scoringMigrations = [ScoringInit1763900000100, WatermarkAndReadModels1763900000101, DayClosing1763900000102, ProcessedEventsRetention1763900000103, OutboxKeyIndex1763900000104, AccountStateLz41763900000105, AccountStateFillfactor1763900000106,
  ConfigVersionsAndAudit1763900000107,
  Rescores1763900000108,
  ScoreHistoryScorecardVersion1763900000109,
];
