import { type DynamicModule, Global, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@bellwether/kafka';
import { map, type Subscription } from 'rxjs';
import { HealthRegistry } from '@bellwether/platform';
import { ApiKeyGuard } from './api-key.guard';
import { AccessChanges } from './access-changes';
import { ApiKeyRing } from './api-key-ring';
import { KEY_VERIFIER } from './principal';

@Injectable()
class ApiKeyRingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly forwarding: Subscription;

  constructor(
    private readonly ring: ApiKeyRing,
    private readonly health: HealthRegistry,
    accessChanges: AccessChanges,
  ) {
    // Every applied key change (revoke, rotate, edit) re-checks the live streams at once.
    this.forwarding = accessChanges.follow(ring.changes$.pipe(map((ids) => ({ source: 'api-keys', ids }))));
  }

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('api-keys', () => (this.ring.isReady ? { ok: true, detail: `${this.ring.size} keys` } : { ok: false, detail: 'still reading bellwether.api-keys.v1' }));
    this.health.registerLiveness('api-keys', () => this.ring.liveness());
    await this.ring.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.forwarding.unsubscribe();
    await this.ring.stop();
  }
}

/**
 * API-key checks for a service that does not own the keys: the ring over the keys topic, and the
 * `AccessChanges` hook its changes are announced on.
 */
@Global()
@Module({})
export class AuthModule {
  static withKeyRing(): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: ApiKeyRing, inject: [KafkaConnection], useFactory: (connection: KafkaConnection) => new ApiKeyRing(connection) },
        { provide: KEY_VERIFIER, useExisting: ApiKeyRing },
        AccessChanges,
        ApiKeyRingLifecycle,
        ApiKeyGuard,
      ],
      exports: [ApiKeyRing, KEY_VERIFIER, ApiKeyGuard, AccessChanges],
    };
  }
}
