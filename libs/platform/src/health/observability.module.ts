import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppLogger } from '../logging/logger';
import { APP_LOGGER } from '../tokens';
import { Clock, WallClock } from '../clock/clock';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';

/** Health, readiness, metrics, the service logger and the process `Clock`, available to every module. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [HealthRegistry, { provide: APP_LOGGER, useValue: logger }, { provide: Clock, useClass: WallClock }],
      exports: [HealthRegistry, APP_LOGGER, Clock],
    };
  }
}
