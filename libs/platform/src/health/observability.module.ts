import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppLogger } from '../logging/logger';
import { APP_LOGGER } from '../tokens';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';

/** Health, readiness, metrics and the service logger, available to every module. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [HealthRegistry, { provide: APP_LOGGER, useValue: logger }],
      exports: [HealthRegistry, APP_LOGGER],
    };
  }
}
