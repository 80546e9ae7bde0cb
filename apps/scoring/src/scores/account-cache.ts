import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { definedScript } from '@bellwether/auth';
import { REDIS_CLIENT } from '@bellwether/platform';
import { ScoringEnv } from '../scoring.env';

const cacheMetrics = {
  hits: new Counter({ name: 'bellwether_scoring_account_cache_hits_total', help: '360 views served from Redis' }),
  misses: new Counter({ name: 'bellwether_scoring_account_cache_misses_total', help: '360 views assembled from Postgres' }),
  staleRefused: new Counter({
    name: 'bellwether_scoring_account_cache_stale_puts_refused_total',
    help: '360 views not cached because the account changed while they were assembled (their lease was invalidated)',
  }),
};

/**
 * How long an account's generation outlives its last invalidation, seconds. A lease taken before
 * an invalidation must still find that invalidation's generation when its view is put back, so
 * this only has to exceed the longest assembly of a view (milliseconds); an hour leaves room for
 * any stall, at ~60 bytes per account changed in the last hour.
 */
const GENERATION_TTL_SECONDS = 3600;

/**
 * KEYS[1]: the view, KEYS[2]: the account's generation; ARGV: the lease (the generation read with
 * the miss, '' when there was none), the view's JSON, its time to live (seconds). Stores the view
 * only if no invalidation happened since the lease was read. Returns 1 when stored, 0 if refused.
 */
const PUT_IF_LEASE_HOLDS = `
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

/**
 * KEYS: pairs of (view, generation) keys, one pair per account; ARGV: a generation never used
 * before and its time to live (seconds). Drops each view and moves its account to the new
 * generation, so every lease taken before fails.
 */
const INVALIDATE = `
for i = 1, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[i + 1], ARGV[1], 'EX', ARGV[2])
end
return #KEYS / 2
`;

/** What the cache answered for one account. */
export interface CachedView<T> {
  /** The cached 360 view, or null on a miss. */
  readonly view: T | null;
  /**
   * On a miss, the lease to pass to `put` with the view assembled from Postgres; null when Redis
   * did not answer (the view is then served but not cached: its freshness cannot be checked).
   */
  readonly lease: string | null;
}

/**
 * Redis is the hot read path only: 360 views are cached after a read and dropped after any
 * change to the account. Postgres stays the truth; a Redis outage only slows reads down.
 *
 * A read that misses takes a lease (the account's generation) before it reads Postgres, and its
 * view is stored only if the account was not invalidated since. Without it a read that saw the
 * rows before a batch committed could store its view after that batch's invalidation, and the
 * stale view (its owner, hence who may open the account) would be served until it expired
 * (ACCOUNT_CACHE_SECONDS). This is the lease of "Scaling Memcache at Facebook" (Nishtala et al.,
 * NSDI 2013, §3.2.1), with a generation per account in place of the server-issued token.
 */
@Injectable()
export class AccountCache {
  private readonly putIfLeaseHolds: (...keysThenArgs: (string | number)[]) => Promise<number>;
  private readonly invalidateScript: (...keysThenArgs: (string | number)[]) => Promise<number>;
  /** Generations are this process's id and a counter: never reused, so no lease can match by chance. */
  private readonly generationPrefix = randomUUID();
  private generations = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly env: ScoringEnv,
  ) {
    this.putIfLeaseHolds = definedScript(redis, 'bellwetherAccountCachePut', 2, PUT_IF_LEASE_HOLDS);
    this.invalidateScript = definedScript(redis, 'bellwetherAccountCacheInvalidate', null, INVALIDATE);
  }

  /** The cached view of `accountId`, or a miss with the lease its assembled view is put back with. One round trip. */
  async get<T>(accountId: string): Promise<CachedView<T>> {
    const answer = await this.redis.mget(viewKey(accountId), generationKey(accountId)).catch(() => null);
    if (answer === null) return { view: null, lease: null };
    const [cached, generation] = answer;
    if (cached === null || cached === undefined) {
      cacheMetrics.misses.inc();
      return { view: null, lease: generation ?? '' };
    }
    cacheMetrics.hits.inc();
    return { view: JSON.parse(cached) as T, lease: null };
  }

  /** Caches `view` for ACCOUNT_CACHE_SECONDS, unless `lease` is null or the account changed since it was taken. */
  async put(accountId: string, view: unknown, lease: string | null): Promise<void> {
    if (lease === null) return;
    const stored = await this.putIfLeaseHolds(viewKey(accountId), generationKey(accountId), lease, JSON.stringify(view), this.env.ACCOUNT_CACHE_SECONDS).catch(() => 1);
    if (stored === 0) cacheMetrics.staleRefused.inc();
  }

  /** Drops the views of `accountIds` and voids every lease taken on them. One round trip. */
  async invalidate(accountIds: Iterable<string>): Promise<void> {
    const keys = [...new Set(accountIds)].flatMap((accountId) => [viewKey(accountId), generationKey(accountId)]);
    if (keys.length === 0) return;
    this.generations += 1;
    await this.invalidateScript(keys.length, ...keys, `${this.generationPrefix}:${this.generations}`, GENERATION_TTL_SECONDS).catch(() => undefined);
  }
}

function viewKey(accountId: string): string {
  return `account:${accountId}`;
}

function generationKey(accountId: string): string {
  return `account-generation:${accountId}`;
}
