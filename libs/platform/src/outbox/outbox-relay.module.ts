import { type DynamicModule, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MessageProducer } from '@bellwether/kafka';
import { HealthRegistry } from '../health/health.registry';
import { Clock } from '../clock/clock';
import type { AppLogger } from '../logging/logger';
import { APP_LOGGER, SERVICE_DATA_SOURCE } from '../tokens';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { Outbox, SchemaOutbox } from './outbox';

@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly health: HealthRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.health.register('outbox-relay', () => this.relay.health());
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/** Runs the service's outbox relay from start to shutdown, and provides its `Outbox`. */
@Module({})
export class OutboxRelayModule {
  static forRoot(options: OutboxRelayOptions): DynamicModule {
    return {
      module: OutboxRelayModule,
      global: true,
      providers: [
        {
          provide: OutboxRelay,
          inject: [SERVICE_DATA_SOURCE, MessageProducer, APP_LOGGER, Clock],
          useFactory: (dataSource: DataSource, producer: MessageProducer, logger: AppLogger, clock: Clock) => new OutboxRelay(dataSource, producer, logger, clock, options),
        },
        { provide: Outbox, useValue: new SchemaOutbox(options.schema) },
        OutboxRelayLifecycle,
      ],
      exports: [OutboxRelay, Outbox],
    };
  }
}
