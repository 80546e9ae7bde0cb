import { type DynamicModule, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AuthModule, authFailurePolicy, commonRatePolicies, RateLimitModule } from '@bellwether/auth';
import { KafkaClientModule } from '@bellwether/kafka';
import { AdminAuditLog, type AppLogger, brokerList, ConfigVersionStore, DatabaseModule, ObservabilityModule, OutboxRelayModule, PipelineClockModule, RedisModule, RetentionPrunerModule, retryConfig, SERVICE_DATA_SOURCE, serviceRetention } from '@bellwether/platform';
import { AccountWorkingSetStore } from './alerts/account-working-set';
import { AlertApplicationService } from './alerts/alert-application.service';
import { AlertEvents } from './alerts/alert-events';
import { AlertRepository } from './alerts/alert.repository';
import { AlertTimers } from './alerts/alert-timers';
import { loadRuleSet, RULE_SET } from './alerts/rule-set.provider';
import { ScoreChangesConsumer } from './alerts/score-changes.consumer';
import { WebhookSender } from './alerts/webhook-sender';
import { WebhookDeliveryRepository } from './alerts/webhook-delivery.repository';
import { AlertingEnv } from './alerting.env';
import { IncidentBook } from './incidents/incident-book';
import { IncidentRepository } from './incidents/incident.repository';
import { ALERTING_SCHEMA, alertingMigrations } from './migrations';
import { AlertStream } from './queues/alert-stream';
import { OpenStreams } from './queues/open-streams';
import { QueueActionsService } from './queues/queue-actions.service';
import { QueuesController } from './queues/queues.controller';
import { RuleSetActivations, RuleSetSource } from './rule-sets/rule-set-activations';
import { AlertingAuditController, RuleSetsController } from './rule-sets/rule-sets.controller';
import { RuleSetsService } from './rule-sets/rule-sets.service';

export const ALERTING_CONSUMER_GROUP = 'bellwether-alerting';

@Module({})
export class AlertingModule {
  static forRoot(env: AlertingEnv, logger: AppLogger): DynamicModule {
    return {
      module: AlertingModule,
      imports: [
        ObservabilityModule.forRoot(logger),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: ALERTING_SCHEMA,
          entities: [],
          migrations: alertingMigrations,
          migrateOnStart: env.DB_MIGRATE_ON_START === 'true',
          applicationName: 'bellwether-alerting',
        }),
        KafkaClientModule.forRoot({ clientId: 'bellwether-alerting', brokers: brokerList(env), namespace: env.KAFKA_NAMESPACE, ensureTopics: env.KAFKA_ENSURE_TOPICS === 'true', producerRetries: env.KAFKA_PRODUCER_RETRIES }),
        OutboxRelayModule.forRoot({ schema: ALERTING_SCHEMA, backoff: retryConfig(env).outboxBackoff, retentionHours: env.OUTBOX_RETENTION_HOURS }),
        RetentionPrunerModule.forRoot(serviceRetention(env, { schema: ALERTING_SCHEMA, processedIds: { table: 'processed_changes', retentionDays: env.PROCESSED_IDS_RETENTION_DAYS } })),
        AuthModule.withKeyRing(),
        // The clock of the timers: the wall clock, or scoring's pipeline watermark in event mode.
        PipelineClockModule.forRoot({ mode: env.CLOCK_MODE }),
        // Redis holds only the rate limits here, which fail open: not a readiness dependency.
        RedisModule.forRoot(env.REDIS_URL, 'bw:alerting:', { readiness: false }),
        RateLimitModule.forRoot({ policies: commonRatePolicies(env), authFailures: authFailurePolicy(env) }),
      ],
      controllers: [ScoreChangesConsumer, QueuesController, RuleSetsController, AlertingAuditController],
      providers: [
        { provide: AlertingEnv, useValue: env },
        { provide: RULE_SET, useValue: loadRuleSet(env.RULES_FILE) },
        { provide: OpenStreams, useValue: new OpenStreams(env.MAX_STREAMS_PER_KEY) },
        AlertRepository,
        IncidentRepository,
        IncidentBook,
        AlertEvents,
        AccountWorkingSetStore,
        AlertApplicationService,
        QueueActionsService,
        AlertTimers,
        AlertStream,
        WebhookDeliveryRepository,
        WebhookSender,
        RuleSetActivations,
        { provide: RuleSetSource, useExisting: RuleSetActivations },
        RuleSetsService,
        { provide: ConfigVersionStore, inject: [SERVICE_DATA_SOURCE], useFactory: (dataSource: DataSource) => new ConfigVersionStore(dataSource, ALERTING_SCHEMA) },
        { provide: AdminAuditLog, inject: [SERVICE_DATA_SOURCE], useFactory: (dataSource: DataSource) => new AdminAuditLog(dataSource, ALERTING_SCHEMA) },
      ],
    };
  }
}
