import { type DynamicModule, Module } from '@nestjs/common';
import { type AppLogger, brokerList, DatabaseModule, KafkaClientModule, ObservabilityModule, OutboxRelayModule } from '@bellwether/platform';
import { ScoreChangesConsumer } from './alerts/score-changes.consumer';
import { AlertingEnv } from './alerting.env';
import { ALERTING_SCHEMA, alertingMigrations } from './migrations';

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
        KafkaClientModule.forRoot({ clientId: 'bellwether-alerting', brokers: brokerList(env), namespace: env.KAFKA_NAMESPACE, ensureTopics: env.KAFKA_ENSURE_TOPICS === 'true' }),
        OutboxRelayModule.forRoot({ schema: ALERTING_SCHEMA, retentionHours: env.OUTBOX_RETENTION_HOURS }),
      ],
      controllers: [ScoreChangesConsumer],
      providers: [{ provide: AlertingEnv, useValue: env }],
    };
  }
}
