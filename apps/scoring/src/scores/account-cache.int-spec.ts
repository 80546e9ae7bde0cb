import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { testEnvironment } from '@bellwether/testing';
import { ScoringEnv } from '../scoring.env';
import { AccountCache } from './account-cache';

/** The 360-view cache on a real Redis, with the key prefix scoring uses. */
describe('AccountCache on a real Redis', () => {
  const redis = new Redis(testEnvironment.redisUrl, { keyPrefix: `bw:test-${randomUUID().slice(0, 8)}:` });
  const env = Object.assign(new ScoringEnv(), { ACCOUNT_CACHE_SECONDS: 600 });
  const cache = new AccountCache(redis, env);
  const fresh = (): string => `acc-${randomUUID()}`;

  afterAll(async () => {
    await redis.quit();
  });

  it('serves a view put back with the lease of its miss', async () => {
    const accountId = fresh();
    const miss = await cache.get(accountId);
    expect(miss).toEqual({ view: null, lease: '' });
    await cache.put(accountId, { owner: 'csm-ana' }, miss.lease);
    expect(await cache.get(accountId)).toEqual({ view: { owner: 'csm-ana' }, lease: null });
  });

  it('does not cache a view read before a change whose invalidation came first (the stale owner is not served)', async () => {
    const accountId = fresh();
    // A reader misses and reads the rows as they were before a batch committed …
    const reader = await cache.get(accountId);
    // … the batch commits and drops the account's view …
    await cache.invalidate([accountId]);
    // … and only then does the reader put its view back.
    await cache.put(accountId, { owner: 'csm-ana' }, reader.lease);
    const next = await cache.get(accountId);
    expect(next.view).toBeNull();
    // The next reader's view, read after the change, is cached.
    await cache.put(accountId, { owner: 'csm-zed' }, next.lease);
    expect((await cache.get(accountId)).view).toEqual({ owner: 'csm-zed' });
  });

  it('voids a lease on an account invalidated before (a second invalidation is a new generation)', async () => {
    const accountId = fresh();
    await cache.invalidate([accountId]);
    const reader = await cache.get(accountId);
    expect(reader.lease).not.toBe('');
    await cache.invalidate([accountId, fresh()]);
    await cache.put(accountId, { owner: 'csm-ana' }, reader.lease);
    expect((await cache.get(accountId)).view).toBeNull();
  });

  it('invalidates a cached view, and leaves other accounts’ views alone', async () => {
    const [changed, other] = [fresh(), fresh()];
    for (const accountId of [changed, other]) await cache.put(accountId, { accountId }, (await cache.get(accountId)).lease);
    await cache.invalidate([changed, changed]);
    expect((await cache.get(changed)).view).toBeNull();
    expect((await cache.get(other)).view).toEqual({ accountId: other });
  });

  it('without a lease (Redis did not answer the read) caches nothing', async () => {
    const accountId = fresh();
    await cache.put(accountId, { owner: 'csm-ana' }, null);
    expect((await cache.get(accountId)).view).toBeNull();
  });
});
