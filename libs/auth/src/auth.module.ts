import { type DynamicModule, Global, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@bellwether/kafka';
import { HealthRegistry } from '@bellwether/platform';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRing } from './api-key-ring';
import { KEY_VERIFIER } from './principal';

@Injectable()
class ApiKeyRingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly ring: ApiKeyRing,
    private readonly health: HealthRegistry,
  ) {}

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('api-keys', () => (this.ring.isReady ? { ok: true, detail: `${this.ring.size} keys` } : { ok: false, detail: 'still reading bellwether.api-keys.v1' }));
    this.health.registerLiveness('api-keys', () => this.ring.liveness());
    await this.ring.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ring.stop();
  }
}

/** API-key checks for a service that does not own the keys: the ring over the keys topic. */
@Global()
@Module({})
export class AuthModule {
  static withKeyRing(): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: ApiKeyRing, inject: [KafkaConnection], useFactory: (connection: KafkaConnection) => new ApiKeyRing(connection) },
        { provide: KEY_VERIFIER, useExisting: ApiKeyRing },
        ApiKeyRingLifecycle,
        ApiKeyGuard,
      ],
      exports: [ApiKeyRing, KEY_VERIFIER, ApiKeyGuard],
    };
  }
}
