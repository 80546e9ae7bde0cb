import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule, authFailurePolicy, commonRatePolicies, RateLimitModule } from '@bellwether/auth';
import { KafkaClientModule } from '@bellwether/kafka';
import {
  AdminAuditLog,
  type AppLogger,
  brokerList,
  ConfigVersionStore,
  DatabaseModule,
  ObservabilityModule,
  OutboxRelayModule,
  PipelineClockModule,
  RedisModule,
  RetentionPrunerModule,
  retryConfig,
  SERVICE_DATA_SOURCE,
  serviceRetention,
} from '@bellwether/platform';
import type { DataSource } from 'typeorm';
import { PLAYBOOK_SCHEMA, playbookMigrations } from './migrations';
import { PlaybookEnv } from './playbook.env';
import { PlaybookConsumer } from './runs/playbook.consumer';
import { PlaybookRunner } from './runs/playbook-runner.service';
import { WakeScheduler } from './runs/wake-scheduler';
import { DeliveryWorker } from './runs/delivery-worker';
import { DeliveryRepository } from './runs/delivery.repository';
import { loadPlaybookSet, PLAYBOOK_BASE } from './runs/playbook-definitions';
import { PlaybookActivations, PlaybookSource } from './playbooks/playbook-activations';
import { PlaybookAuditController, PlaybooksController } from './playbooks/playbooks.controller';
import { PlaybooksService } from './playbooks/playbooks.service';
import { TasksController } from './tasks/tasks.controller';
import { PortfolioKpisController } from './kpis/portfolio-kpis.controller';
import { KpiReadModelRepository } from './kpis/kpi-read-model.repository';
import { RunRepository } from './runs/run.repository';
import { TaskRepository } from './tasks/task.repository';

/**
 * The consumer group of the runs: alerts, incidents and score changes. It keeps the id the
 * service always had, so its committed offsets stay valid across the upgrade that split the
 * events topic off.
 */
export const PLAYBOOK_CONSUMER_GROUP = 'bellwether-playbook';

/**
 * The consumer group of the KPI projection of `bellwether.events.v1` (since the upgrade that split
 * it off): new at that upgrade, it reads the topic from the beginning once; the projection is
 * idempotent on event ids, so the re-read changes nothing.
 */
export const PLAYBOOK_EVENTS_CONSUMER_GROUP = 'bellwether-playbook-events';

@Module({})
export class PlaybookModule {
  static forRoot(env: PlaybookEnv, logger: AppLogger): DynamicModule {
    return {
      module: PlaybookModule,
      imports: [
        ObservabilityModule.forRoot(logger),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: PLAYBOOK_SCHEMA,
          entities: [],
          migrations: playbookMigrations,
          migrateOnStart: env.DB_MIGRATE_ON_START === 'true',
          applicationName: 'bellwether-playbook',
        }),
        KafkaClientModule.forRoot({ clientId: 'bellwether-playbook', brokers: brokerList(env), namespace: env.KAFKA_NAMESPACE, ensureTopics: env.KAFKA_ENSURE_TOPICS === 'true', producerRetries: env.KAFKA_PRODUCER_RETRIES }),
        OutboxRelayModule.forRoot({ schema: PLAYBOOK_SCHEMA, backoff: retryConfig(env).outboxBackoff, retentionHours: env.OUTBOX_RETENTION_HOURS }),
        RetentionPrunerModule.forRoot(serviceRetention(env, { schema: PLAYBOOK_SCHEMA, processedIds: { table: 'processed_messages', retentionDays: env.PROCESSED_IDS_RETENTION_DAYS } })),
        AuthModule.withKeyRing(),
        // The clock of the timers: the wall clock, or scoring's pipeline watermark in event mode.
        PipelineClockModule.forRoot({ mode: env.CLOCK_MODE }),
        // Redis holds only the rate limits here, which fail open: not a readiness dependency.
        RedisModule.forRoot(env.REDIS_URL, 'bw:playbook:', { readiness: false }),
        RateLimitModule.forRoot({ policies: commonRatePolicies(env), authFailures: authFailurePolicy(env) }),
      ],
      controllers: [PlaybookConsumer, TasksController, PortfolioKpisController, PlaybooksController, PlaybookAuditController],
      providers: [
        { provide: PlaybookEnv, useValue: env },
        { provide: PLAYBOOK_BASE, useValue: loadPlaybookSet(env.PLAYBOOKS_DIR, { requireEmailTemplates: Boolean(env.SMTP_URL) }) },
        PlaybookActivations,
        { provide: PlaybookSource, useExisting: PlaybookActivations },
        PlaybooksService,
        { provide: ConfigVersionStore, inject: [SERVICE_DATA_SOURCE], useFactory: (dataSource: DataSource) => new ConfigVersionStore(dataSource, PLAYBOOK_SCHEMA) },
        { provide: AdminAuditLog, inject: [SERVICE_DATA_SOURCE], useFactory: (dataSource: DataSource) => new AdminAuditLog(dataSource, PLAYBOOK_SCHEMA) },
        RunRepository,
        TaskRepository,
        KpiReadModelRepository,
        PlaybookRunner,
        WakeScheduler,
        DeliveryRepository,
        DeliveryWorker,
      ],
    };
  }
}
