import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { HealthRegistry } from '../health/health.registry';
import type { AppLogger } from '../logging/logger';
import { APP_LOGGER, SERVICE_DATA_SOURCE } from '../tokens';
import { createServiceDataSource, migrate, type ServiceDataSourceOptions } from './data-source.factory';
import { DataSourceTransactions, Transactions } from './transactions';

export interface DatabaseModuleOptions extends ServiceDataSourceOptions {
  readonly migrateOnStart: boolean;
}

const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseModuleOptions,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    if (this.options.migrateOnStart) {
      const applied = await migrate(this.dataSource, this.options.schema);
      if (applied.length > 0) this.logger.info({ applied }, 'migrations applied');
    }
    this.health.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
      return { ok: true };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The service's own TypeORM data source (its schema only), migrated at start unless told not to, and its `Transactions`. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        { provide: SERVICE_DATA_SOURCE, inject: [APP_LOGGER], useFactory: (logger: AppLogger) => createServiceDataSource({ ...options, logger }) },
        { provide: Transactions, useClass: DataSourceTransactions },
        DatabaseLifecycle,
      ],
      exports: [SERVICE_DATA_SOURCE, Transactions],
    };
  }
}
