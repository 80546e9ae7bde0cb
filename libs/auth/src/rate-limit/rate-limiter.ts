import type Redis from 'ioredis';

/**
 * GCRA (generic cell rate algorithm) as a Lua function, for every script that spends an
 * allowance: `gcra(key, interval_ms, tolerance_ms, peek)` returns `{allowed (0|1), wait_ms,
 * backlog_ms}` for a smooth rate (one request per `interval_ms`) with bursts up to
 * `tolerance_ms / interval_ms`, using Redis' clock so replicas agree. `peek` only looks (the
 * theoretical arrival time is not advanced). Scripts that combine it with other work (ingestion's
 * admission: the limit and the dedup check in one round trip) prepend this text.
 */
export const GCRA_LUA = `
local function gcra(key, interval, tolerance, peek)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  if new_tat - tolerance > now then
    return {0, new_tat - tolerance - now, tat - now}
  end
  if peek then return {1, 0, tat - now} end
  redis.call('SET', key, new_tat, 'PX', math.ceil(new_tat - now))
  return {1, 0, new_tat - now}
end
`;

/** The limiter's own script: KEYS[1] the allowance, ARGV interval, tolerance, '1' to peek. */
const LIMITER_COMMAND = 'bellwetherGcra';
const LIMITER_SCRIPT = `${GCRA_LUA}
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1')`;

/**
 * Registers `lua` as the client's command `name` (ioredis `defineCommand`): sent as EVALSHA, and
 * loaded by one EVAL only when the server does not know it yet (first use, or after a restart or
 * SCRIPT FLUSH). Idempotent. Returns a caller taking the keys, then the arguments; with
 * `numberOfKeys` null the script takes any number of keys and the caller passes their count first.
 * Keys get the client's key prefix either way.
 */
export function definedScript<T>(redis: Redis, name: string, numberOfKeys: number | null, lua: string): (...keysThenArgs: (string | number)[]) => Promise<T> {
  const commands = redis as unknown as Record<string, ((...args: (string | number)[]) => Promise<T>) | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, numberOfKeys === null ? { lua } : { numberOfKeys, lua });
  return (...keysThenArgs) => (commands[name] as (...args: (string | number)[]) => Promise<T>).apply(redis, keysThenArgs);
}

/** The Redis key of `key`'s allowance (under the client's key prefix). */
export function rateLimitKey(key: string): string {
  return `ratelimit:${key}`;
}

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
 * A GCRA limiter over Redis keys `ratelimit:<key>` (under the client's key prefix), its script
 * loaded once per client (EVALSHA). Errors of the Redis client propagate: the caller decides
 * whether to fail open.
 */
export class RateLimiter {
  /** Milliseconds between two requests at the smooth rate (GCRA's emission interval). */
  readonly intervalMs: number;
  /** Milliseconds of burst on top (GCRA's delay variation tolerance). */
  readonly toleranceMs: number;
  private readonly script: (...keysThenArgs: (string | number)[]) => Promise<[number, number, number]>;

  constructor(
    redis: Redis,
    ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = this.intervalMs * burst;
    this.script = definedScript(redis, LIMITER_COMMAND, 1, LIMITER_SCRIPT);
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
    return this.decision(await this.script(rateLimitKey(key), this.intervalMs, this.toleranceMs, peek ? '1' : '0'));
  }

  /** The decision of a `gcra` answer `{allowed, wait_ms, backlog_ms}` (see GCRA_LUA) under this limiter's policy. */
  decision([allowed, waitMs, backlogMs]: readonly [number, number, number]): RateDecision {
    return {
      allowed: allowed === 1,
      limit: this.burst,
      remaining: Math.max(0, Math.floor((this.toleranceMs - backlogMs) / this.intervalMs)),
      resetSeconds: Math.ceil(backlogMs / 1000),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }
}
