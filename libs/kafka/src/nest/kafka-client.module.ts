import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { topicSpecs } from '@bellwether/contracts';
import { KafkaConnection } from '../kafka-connection';
import { MessageProducer } from '../message-producer';
import { KAFKA_HEALTH, KAFKA_LOGGER, type KafkaHealthRegistration, type KafkaLogger } from './kafka-host';

export interface KafkaClientModuleOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly namespace: string;
  /** Create the contract's topics at start when missing (dev and tests; production runs it once). */
  readonly ensureTopics: boolean;
  /** Retries of one produce request (KAFKA_PRODUCER_RETRIES, see `retryConfig`). */
  readonly producerRetries?: number;
}

const KAFKA_CLIENT_OPTIONS = Symbol('KAFKA_CLIENT_OPTIONS');

@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly producer: MessageProducer,
    @Inject(KAFKA_HEALTH) private readonly health: KafkaHealthRegistration,
    @Inject(KAFKA_CLIENT_OPTIONS) private readonly options: KafkaClientModuleOptions,
    @Inject(KAFKA_LOGGER) private readonly logger: KafkaLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.ensureTopics) await this.connection.ensureTopics(topicSpecs);
    await this.producer.connect();
    this.health.register('kafka', async () => ((await this.connection.ping()) ? { ok: true } : { ok: false, detail: 'broker does not answer' }));
    this.logger.info('kafka producer connected', { brokers: this.options.brokers });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * The process' Kafka client and its idempotent producer. Logs through `KAFKA_LOGGER` and registers
 * the broker's readiness check with `KAFKA_HEALTH`, both provided by the host (the platform's
 * `ObservabilityModule`).
 */
@Global()
@Module({})
export class KafkaClientModule {
  static forRoot(options: KafkaClientModuleOptions): DynamicModule {
    return {
      module: KafkaClientModule,
      providers: [
        { provide: KAFKA_CLIENT_OPTIONS, useValue: options },
        {
          provide: KafkaConnection,
          inject: [KAFKA_LOGGER],
          useFactory: (logger: KafkaLogger) =>
            new KafkaConnection({
              brokers: options.brokers,
              clientId: options.clientId,
              namespace: options.namespace,
              log: (level, message, extra) => logger[level](message, { ...extra, source: 'kafkajs' }),
            }),
        },
        { provide: MessageProducer, inject: [KafkaConnection], useFactory: (connection: KafkaConnection) => new MessageProducer(connection, { retries: options.producerRetries }) },
        KafkaLifecycle,
      ],
      exports: [KafkaConnection, MessageProducer],
    };
  }
}
