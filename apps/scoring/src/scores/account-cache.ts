import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { REDIS_CLIENT } from '@bellwether/platform';
import { ScoringEnv } from '../scoring.env';

const cacheMetrics = {
  hits: new Counter({ name: 'bellwether_scoring_account_cache_hits_total', help: '360 views served from Redis' }),
  misses: new Counter({ name: 'bellwether_scoring_account_cache_misses_total', help: '360 views assembled from Postgres' }),
};

/**
 * Redis is the hot read path only: 360 views are cached after a read and dropped after any
 * change to the account. Postgres stays the truth; a Redis outage only slows reads down.
 */
@Injectable()
export class AccountCache {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly env: ScoringEnv,
  ) {}

  async get<T>(accountId: string): Promise<T | null> {
    const cached = await this.redis.get(key(accountId)).catch(() => null);
    if (cached === null) {
      cacheMetrics.misses.inc();
      return null;
    }
    cacheMetrics.hits.inc();
    return JSON.parse(cached) as T;
  }

  async put(accountId: string, view: unknown): Promise<void> {
    await this.redis.set(key(accountId), JSON.stringify(view), 'EX', this.env.ACCOUNT_CACHE_SECONDS).catch(() => undefined);
  }

  async invalidate(accountIds: Iterable<string>): Promise<void> {
    const keys = [...new Set(accountIds)].map(key);
    if (keys.length > 0) await this.redis.del(...keys).catch(() => undefined);
  }
}

function key(accountId: string): string {
  return `account:${accountId}`;
}
