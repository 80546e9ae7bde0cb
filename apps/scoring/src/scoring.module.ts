import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule, authFailurePolicy, commonRatePolicies, RateLimitModule } from '@bellwether/auth';
import { KafkaClientModule } from '@bellwether/kafka';
import { AdminAuditLog, type AppLogger, brokerList, ConfigVersionStore, DatabaseModule, ObservabilityModule, OutboxRelayModule, RedisModule, RetentionPrunerModule, retryConfig, SERVICE_DATA_SOURCE, serviceRetention } from '@bellwether/platform';
import type { DataSource } from 'typeorm';
import { Account360Repository } from './accounts/account-360.repository';
import { AccountsController } from './accounts/accounts.controller';
import { ReadModelsConsumer } from './accounts/read-models.consumer';
import { SCORING_SCHEMA, scoringMigrations } from './migrations';
import { AccountCache } from './scores/account-cache';
import { AccountStateRepository } from './scores/account-state.repository';
import { ClockConsumer } from './scores/clock.consumer';
import { DayRoller } from './scores/day-roller';
import { EventsConsumer } from './scores/events.consumer';
import { ScoreCommitter } from './scores/score-committer.service';
import { loadScorecard, SCORECARD } from './scores/scorecard.provider';
import { WatermarkRepository } from './scores/watermark.repository';
import { ScorecardActivations, ScorecardSource } from './scorecards/scorecard-activations';
import { ScorecardsController, ScoringAuditController } from './scorecards/scorecards.controller';
import { ScorecardsService } from './scorecards/scorecards.service';
import { RescoreRepository } from './scorecards/rescore.repository';
import { Rescorer } from './scorecards/rescorer';
import { RescoresController } from './scorecards/rescores.controller';
import { ScoringEnv } from './scoring.env';

export { SCORING_CONSUMER_GROUP, SCORING_SIDE_INPUTS_CONSUMER_GROUP } from './scoring.consumer-group';

@Module({})
export class ScoringModule {
  static forRoot(env: ScoringEnv, logger: AppLogger): DynamicModule {
    return {
      module: ScoringModule,
      imports: [
        ObservabilityModule.forRoot(logger),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: SCORING_SCHEMA,
          entities: [],
          migrations: scoringMigrations,
          migrateOnStart: env.DB_MIGRATE_ON_START === 'true',
          applicationName: 'bellwether-scoring',
          poolSize: env.DB_POOL_SIZE,
        }),
        KafkaClientModule.forRoot({ clientId: 'bellwether-scoring', brokers: brokerList(env), namespace: env.KAFKA_NAMESPACE, ensureTopics: env.KAFKA_ENSURE_TOPICS === 'true', producerRetries: env.KAFKA_PRODUCER_RETRIES }),
        RedisModule.forRoot(env.REDIS_URL, 'bw:scoring:'),
        OutboxRelayModule.forRoot({ schema: SCORING_SCHEMA, backoff: retryConfig(env).outboxBackoff, sweepAfterMs: env.OUTBOX_SWEEP_AFTER_MS, pollIntervalMs: env.OUTBOX_SWEEP_INTERVAL_MS, retentionHours: env.OUTBOX_RETENTION_HOURS }),
        RetentionPrunerModule.forRoot(serviceRetention(env, { schema: SCORING_SCHEMA, processedIds: { table: 'processed_events', retentionDays: env.PROCESSED_IDS_RETENTION_DAYS } })),
        AuthModule.withKeyRing(),
        RateLimitModule.forRoot({ policies: commonRatePolicies(env), authFailures: authFailurePolicy(env) }),
      ],
      controllers: [EventsConsumer, ClockConsumer, ReadModelsConsumer, AccountsController, ScorecardsController, ScoringAuditController, RescoresController],
      providers: [
        { provide: ScoringEnv, useValue: env },
        { provide: SCORECARD, useValue: loadScorecard(env.SCORECARD_FILE) },
        AccountStateRepository,
        WatermarkRepository,
        Account360Repository,
        AccountCache,
        ScoreCommitter,
        DayRoller,
        ScorecardActivations,
        { provide: ScorecardSource, useExisting: ScorecardActivations },
        ScorecardsService,
        RescoreRepository,
        Rescorer,
        { provide: ConfigVersionStore, inject: [SERVICE_DATA_SOURCE], useFactory: (dataSource: DataSource) => new ConfigVersionStore(dataSource, SCORING_SCHEMA) },
        { provide: AdminAuditLog, inject: [SERVICE_DATA_SOURCE], useFactory: (dataSource: DataSource) => new AdminAuditLog(dataSource, SCORING_SCHEMA) },
      ],
    };
  }
}
