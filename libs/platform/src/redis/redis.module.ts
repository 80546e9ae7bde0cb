import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { HealthRegistry } from '../health/health.registry';
import { REDIS_CLIENT } from '../tokens';

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    // lazyConnect: an early command may already have started the connection; connect once only.
    if (this.redis.status === 'wait') await this.redis.connect();
    this.health.register('redis', async () => ((await this.redis.ping()) === 'PONG' ? { ok: true } : { ok: false, detail: 'no PONG' }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One ioredis client per service, keys under the service's prefix. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(url: string, keyPrefix: string): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS_CLIENT,
          useFactory: () => new Redis(url, { lazyConnect: true, keyPrefix, maxRetriesPerRequest: 2 }),
        },
        RedisLifecycle,
      ],
      exports: [REDIS_CLIENT],
    };
  }
}
