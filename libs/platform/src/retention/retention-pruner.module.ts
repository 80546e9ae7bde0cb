import { type DynamicModule, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AppLogger } from '../logging/logger';
import { APP_LOGGER, SERVICE_DATA_SOURCE } from '../tokens';
import { RetentionPruner, type RetentionPrunerOptions } from './retention-pruner';

@Injectable()
class RetentionPrunerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly pruner: RetentionPruner) {}

  onApplicationBootstrap(): void {
    this.pruner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pruner.stop();
  }
}

/** Runs the service's retention pruner (`serviceRetention` builds its options) from start to shutdown. */
@Module({})
export class RetentionPrunerModule {
  static forRoot(options: RetentionPrunerOptions): DynamicModule {
    return {
      module: RetentionPrunerModule,
      providers: [
        {
          provide: RetentionPruner,
          inject: [SERVICE_DATA_SOURCE, APP_LOGGER],
          useFactory: (dataSource: DataSource, logger: AppLogger) => new RetentionPruner(dataSource, logger, options),
        },
        RetentionPrunerLifecycle,
      ],
      exports: [RetentionPruner],
    };
  }
}
