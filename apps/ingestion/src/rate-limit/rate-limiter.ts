import type Redis from 'ioredis';

/**
 * GCRA (generic cell rate algorithm) in one Redis script: a smooth `ratePerSecond` with bursts
 * up to `burst`, shared by every ingestion replica, using Redis' clock so replicas agree.
 */
const GCRA_SCRIPT = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - tolerance > now then
  return {0, new_tat - tolerance - now, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now))
return {1, 0, new_tat - now}
`;

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the allowance is full again. */
  readonly resetSeconds: number;
  /** Seconds to wait before a retry can pass (0 when allowed). */
  readonly retryAfterSeconds: number;
}

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

  async take(key: string): Promise<RateDecision> {
    const [allowed, waitMs, backlogMs] = (await this.redis.eval(GCRA_SCRIPT, 1, `ratelimit:${key}`, this.intervalMs, this.toleranceMs)) as [number, number, number];
    return {
      allowed: allowed === 1,
      limit: this.burst,
      remaining: Math.max(0, Math.floor((this.toleranceMs - backlogMs) / this.intervalMs)),
      resetSeconds: Math.ceil(backlogMs / 1000),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }
}
