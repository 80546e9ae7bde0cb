import type Redis from 'ioredis';

/**
 * GCRA (generic cell rate algorithm) in one Redis script: a smooth `ratePerSecond` with bursts
 * up to `burst`, shared by every replica of a service, using Redis' clock so replicas agree.
 * ARGV[3] = '1' only looks (the theoretical arrival time is not advanced).
 */
const GCRA_SCRIPT = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local peek = ARGV[3] == '1'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - tolerance > now then
  return {0, new_tat - tolerance - now, tat - now}
end
if peek then return {1, 0, tat - now} end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now))
return {1, 0, new_tat - now}
`;

/** One limiter answer; the fields map onto the RateLimit-* and Retry-After headers. */
export interface RateDecision {
  readonly allowed: boolean;
  /** The burst: requests allowed at once. */
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the allowance is full again. */
  readonly resetSeconds: number;
  /** Seconds to wait before a retry can pass (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * A GCRA limiter over Redis keys `ratelimit:<key>` (under the client's key prefix). Errors of the
 * Redis client propagate: the caller decides whether to fail open.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    private readonly redis: Redis,
    ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = this.intervalMs * burst;
  }

  /** Spends one request of `key`'s allowance, if there is one left. */
  take(key: string): Promise<RateDecision> {
    return this.run(key, false);
  }

  /** Whether a request of `key` would pass now, spending nothing. */
  peek(key: string): Promise<RateDecision> {
    return this.run(key, true);
  }

  private async run(key: string, peek: boolean): Promise<RateDecision> {
    const [allowed, waitMs, backlogMs] = (await this.redis.eval(GCRA_SCRIPT, 1, `ratelimit:${key}`, this.intervalMs, this.toleranceMs, peek ? '1' : '0')) as [number, number, number];
    return {
      allowed: allowed === 1,
      limit: this.burst,
      remaining: Math.max(0, Math.floor((this.toleranceMs - backlogMs) / this.intervalMs)),
      resetSeconds: Math.ceil(backlogMs / 1000),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }
}
