import { type DynamicModule, Module } from '@nestjs/common';
import { type AppLogger, brokerList, DatabaseModule, KafkaClientModule, ObservabilityModule, OutboxRelayModule } from '@bellwether/platform';
import { SCORING_SCHEMA, scoringMigrations } from './migrations';
import { EventsConsumer } from './scores/events.consumer';
import { ScoringEnv } from './scoring.env';

export const SCORING_CONSUMER_GROUP = 'bellwether-scoring';

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
        }),
        KafkaClientModule.forRoot({ clientId: 'bellwether-scoring', brokers: brokerList(env), namespace: env.KAFKA_NAMESPACE, ensureTopics: env.KAFKA_ENSURE_TOPICS === 'true' }),
        OutboxRelayModule.forRoot({ schema: SCORING_SCHEMA, retentionHours: env.OUTBOX_RETENTION_HOURS }),
      ],
      controllers: [EventsConsumer],
      providers: [{ provide: ScoringEnv, useValue: env }],
    };
  }
}
