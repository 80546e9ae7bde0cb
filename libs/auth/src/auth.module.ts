import { type DynamicModule, Global, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@bellwether/kafka';
import { map, type Subscription } from 'rxjs';
import { HealthRegistry } from '@bellwether/platform';
import { ApiKeyGuard } from './api-key.guard';
import { AccessChanges } from './access-changes';
import { ApiKeyRing } from './api-key-ring';
import { DirectoryRing } from './directory-ring';
import { KEY_VERIFIER } from './principal';

@Injectable()
class KeyAndDirectoryRingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly forwarding: Subscription;
  private readonly stopFollowingDirectory: () => void;

  constructor(
    private readonly ring: ApiKeyRing,
    private readonly directory: DirectoryRing,
    private readonly health: HealthRegistry,
    accessChanges: AccessChanges,
  ) {
    // Every applied key change (revoke, rotate, edit) re-checks the live streams at once.
    this.forwarding = accessChanges.follow(ring.changes$.pipe(map((ids) => ({ source: 'api-keys', ids }))));
    // A directory change (a CSM moved between teams) can widen or narrow a manager's view.
    this.stopFollowingDirectory = directory.onChange(() => accessChanges.publish({ source: 'directory', ids: [] }));
  }

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('api-keys', () => (this.ring.isReady ? { ok: true, detail: `${this.ring.size} keys` } : { ok: false, detail: 'still reading bellwether.api-keys.v1' }));
    this.health.registerLiveness('api-keys', () => this.ring.liveness());
    this.health.register('directory', () => (this.directory.isReady ? { ok: true, detail: `${this.directory.size} entries` } : { ok: false, detail: 'still reading bellwether.directory.v1' }));
    this.health.registerLiveness('directory', () => this.directory.liveness());
    await Promise.all([this.ring.start(), this.directory.start()]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.forwarding.unsubscribe();
    this.stopFollowingDirectory();
    await Promise.all([this.ring.stop(), this.directory.stop()]);
  }
}

/**
 * API-key checks for a service that does not own the keys: the ring over the keys topic, and the
 * directory ring (team membership) the access checks read, and the `AccessChanges` hook both
 * announce their changes on.
 */
@Global()
@Module({})
export class AuthModule {
  static withKeyRing(): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: ApiKeyRing, inject: [KafkaConnection], useFactory: (connection: KafkaConnection) => new ApiKeyRing(connection) },
        { provide: DirectoryRing, inject: [KafkaConnection], useFactory: (connection: KafkaConnection) => new DirectoryRing(connection) },
        { provide: KEY_VERIFIER, useExisting: ApiKeyRing },
        AccessChanges,
        KeyAndDirectoryRingLifecycle,
        ApiKeyGuard,
      ],
      exports: [ApiKeyRing, DirectoryRing, KEY_VERIFIER, ApiKeyGuard, AccessChanges],
    };
  }
}
