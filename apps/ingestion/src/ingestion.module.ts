import { type DynamicModule, Module } from '@nestjs/common';
import { ApiKeyGuard, authFailurePolicy, commonRatePolicies, KEY_VERIFIER, RateLimitModule } from '@bellwether/auth';
import { KafkaClientModule } from '@bellwether/kafka';
import { type AppLogger, brokerList, DatabaseModule, ObservabilityModule, OutboxRelayModule, RedisModule, RetentionPrunerModule, retryConfig, serviceRetention } from '@bellwether/platform';
import { AccountOwnershipController } from './accounts/account-ownership.controller';
import { AccountOwnershipRepository } from './accounts/account-ownership.repository';
import { AccountOwnershipService } from './accounts/account-ownership.service';
import { ApiKeysController } from './admin/api-keys.controller';
import { ApiKeyEntity } from './api-keys/api-key.entity';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AdminAuditRepository } from './directory/admin-audit.repository';
import { DirectoryController } from './directory/directory.controller';
import { DirectoryRepository } from './directory/directory.repository';
import { DirectoryService } from './directory/directory.service';
import { EventPublisher } from './events/event-publisher.service';
import { EventsController } from './events/events.controller';
import { IngestAdmission } from './events/ingest-admission';
import { ClockTicker } from './clock/clock-ticker';
import { IngestionEnv } from './ingestion.env';
import { OpenApiController } from './openapi/openapi.controller';
import { SegmentController } from './segment/segment.controller';
import { UserAccountsRepository } from './segment/user-accounts.repository';
import { INGESTION_SCHEMA, ingestionMigrations } from './migrations';

@Module({})
export class IngestionModule {
  static forRoot(env: IngestionEnv, logger: AppLogger): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        ObservabilityModule.forRoot(logger),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: INGESTION_SCHEMA,
          entities: [ApiKeyEntity],
          migrations: ingestionMigrations,
          migrateOnStart: env.DB_MIGRATE_ON_START === 'true',
          applicationName: 'bellwether-ingestion',
        }),
        KafkaClientModule.forRoot({ clientId: 'bellwether-ingestion', brokers: brokerList(env), namespace: env.KAFKA_NAMESPACE, ensureTopics: env.KAFKA_ENSURE_TOPICS === 'true', producerRetries: env.KAFKA_PRODUCER_RETRIES }),
        RedisModule.forRoot(env.REDIS_URL, 'bw:ingestion:'),
        RateLimitModule.forRoot({
          policies: { ...commonRatePolicies(env), ingest: { perSecond: env.RATE_LIMIT_PER_SECOND, burst: env.RATE_LIMIT_BURST } },
          authFailures: authFailurePolicy(env),
        }),
        // Key revocations, directory and ownership changes are not nudged after commit: a short idle
        // poll (one indexed query per 100 ms) keeps their propagation to every service well under a second.
        OutboxRelayModule.forRoot({ schema: INGESTION_SCHEMA, backoff: retryConfig(env).outboxBackoff, pollIntervalMs: 100, retentionHours: env.OUTBOX_RETENTION_HOURS }),
        RetentionPrunerModule.forRoot(serviceRetention(env, { schema: INGESTION_SCHEMA })),
      ],
      controllers: [EventsController, SegmentController, ApiKeysController, DirectoryController, AccountOwnershipController, OpenApiController],
      providers: [
        { provide: IngestionEnv, useValue: env },
        ApiKeyRepository,
        DirectoryRepository,
        AdminAuditRepository,
        AccountOwnershipRepository,
        ApiKeysService,
        DirectoryService,
        AccountOwnershipService,
        { provide: KEY_VERIFIER, useExisting: ApiKeysService },
        ApiKeyGuard,
        EventPublisher,
        IngestAdmission,
        UserAccountsRepository,
        ClockTicker,
      ],
    };
  }
}
