import { type DynamicModule, Global, Module } from '@nestjs/common';
import { KAFKA_HEALTH, KAFKA_LOGGER } from '@bellwether/kafka';
import { structuredLogger, type AppLogger } from '../logging/logger';
import { APP_LOGGER } from '../tokens';
import { Clock, WallClock } from '../clock/clock';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';

/**
 * Health, readiness, metrics, the service logger and the process `Clock`, available to every
 * module; also the Kafka lib's ports to them (`KAFKA_HEALTH`, `KAFKA_LOGGER`).
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [
        HealthRegistry,
        { provide: APP_LOGGER, useValue: logger },
        { provide: Clock, useClass: WallClock },
        { provide: KAFKA_HEALTH, useExisting: HealthRegistry },
        { provide: KAFKA_LOGGER, useValue: structuredLogger(logger) },
      ],
      exports: [HealthRegistry, APP_LOGGER, Clock, KAFKA_HEALTH, KAFKA_LOGGER],
    };
  }
}
