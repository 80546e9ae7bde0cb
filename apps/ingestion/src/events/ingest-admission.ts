import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { definedScript, GCRA_LUA, type RateDecision, rateLimitKey, type RateLimiter } from '@bellwether/auth';
import { REDIS_CLIENT } from '@bellwether/platform';

/**
 * KEYS[1]: the key's `ingest` allowance; KEYS[2..]: the dedup keys of the batch's event ids.
 * ARGV: GCRA interval and tolerance (ms), then '1' to spend the allowance or '0' to skip it.
 * Returns `{allowed, wait_ms, backlog_ms, seen_1, …, seen_n}` (seen 1 or 0 per id); over the
 * limit only the first three (nothing else is looked at).
 */
const ADMIT_SCRIPT = `${GCRA_LUA}
local answer = {1, 0, 0}
if ARGV[3] == '1' then
  answer = gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), false)
  if answer[1] == 0 then return answer end
end
for i = 2, #KEYS do
  answer[i + 2] = redis.call('EXISTS', KEYS[i])
end
return answer
`;

/** KEYS: dedup keys; ARGV[1]: their time to live, seconds. One SET … EX per key. */
const REMEMBER_SCRIPT = `
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], '1', 'EX', ARGV[1])
end
return #KEYS
`;

/** What one admission round trip answered. */
export interface Admission {
  /** The rate decision, when one was asked for. */
  readonly rate: RateDecision | null;
  /** Per event id, in order: accepted within the dedup window. All false over the limit. */
  readonly seen: readonly boolean[];
}

/**
 * Ingestion's Redis state for a batch, in one round trip each way (scripts loaded once per
 * client, sent as EVALSHA; the scripts take any number of keys, so the count goes first): `admit` spends the key's `ingest` allowance (the same GCRA key as
 * RateLimitGuard's, `ratelimit:<keyId>`, so the native and Segment routes share it) and says which
 * event ids were accepted within the dedup window (`dedup:<id>`); `remember` records accepted ids.
 * Errors of the Redis client propagate; the callers fail open.
 */
@Injectable()
export class IngestAdmission {
  private readonly admitScript: (...keysThenArgs: (string | number)[]) => Promise<number[]>;
  private readonly rememberScript: (...keysThenArgs: (string | number)[]) => Promise<number>;

  constructor(@Inject(REDIS_CLIENT) redis: Redis) {
    this.admitScript = definedScript(redis, 'bellwetherIngestAdmit', null, ADMIT_SCRIPT);
    this.rememberScript = definedScript(redis, 'bellwetherIngestRemember', null, REMEMBER_SCRIPT);
  }

  /**
   * One round trip: spends one request of `allowance` (the limiter and the key of the caller's
   * `ingest` allowance), unless null, and — when that is allowed — looks up `eventIds`.
   */
  async admit(allowance: { readonly limiter: RateLimiter; readonly key: string } | null, eventIds: readonly string[]): Promise<Admission> {
    const keys = [allowance ? rateLimitKey(allowance.key) : rateLimitKey('-'), ...eventIds.map(dedupKey)];
    const answer = await this.admitScript(keys.length, ...keys, allowance?.limiter.intervalMs ?? 1, allowance?.limiter.toleranceMs ?? 0, allowance ? '1' : '0');
    const rate = allowance ? allowance.limiter.decision([answer[0] ?? 1, answer[1] ?? 0, answer[2] ?? 0]) : null;
    return { rate, seen: eventIds.map((_, index) => answer[index + 3] === 1) };
  }

  /** Records `eventIds` as accepted for `windowSeconds`, in one round trip. */
  async remember(eventIds: readonly string[], windowSeconds: number): Promise<void> {
    if (eventIds.length === 0) return;
    await this.rememberScript(eventIds.length, ...eventIds.map(dedupKey), windowSeconds);
  }
}

/**
 * Redis is a cache of recently accepted ids, not the source of truth: when it does not answer,
 * the batch is published unchecked (scoring's processed_events drops repeats by id).
 */
function dedupKey(id: string): string {
  return `dedup:${id}`;
}
