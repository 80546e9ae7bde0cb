import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { HealthRegistry } from '../health/health.registry';
import { REDIS_CLIENT } from '../tokens';

/** Whether the service's readiness depends on Redis (RedisModule.forRoot's `readiness`). */
const REDIS_READINESS = Symbol('REDIS_READINESS');

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly health: HealthRegistry,
    @Inject(REDIS_READINESS) private readonly readiness: boolean,
  ) {}

  async onModuleInit(): Promise<void> {
    // lazyConnect: an early command may already have started the connection; connect once only.
    if (this.redis.status === 'wait') await this.redis.connect().catch((error: unknown) => (this.readiness ? Promise.reject(error) : undefined));
    if (!this.readiness) return;
    this.health.register('redis', async () => ((await this.redis.ping()) === 'PONG' ? { ok: true } : { ok: false, detail: 'no PONG' }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * One ioredis client per service, keys under the service's prefix. `readiness: false` for a
 * service whose every use of Redis fails open (alerting and playbook: only the rate limits), so
 * losing Redis neither stops its start nor takes it out of `/readyz`.
 */
@Global()
@Module({})
export class RedisModule {
  static forRoot(url: string, keyPrefix: string, options: { readiness?: boolean } = {}): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS_CLIENT,
          useFactory: () => new Redis(url, { lazyConnect: true, keyPrefix, maxRetriesPerRequest: 2 }),
        },
        { provide: REDIS_READINESS, useValue: options.readiness ?? true },
        RedisLifecycle,
      ],
      exports: [REDIS_CLIENT],
    };
  }
}
