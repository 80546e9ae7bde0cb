import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { APP_LOGGER, type AppLogger, REDIS_CLIENT, RequestRejected } from '@bellwether/platform';
import { AUTH_FAILURE_POLICY, type AuthFailurePolicy } from './rate-limit.policy';
import { RateLimiter, type RateDecision } from './rate-limiter';

const throttled = new Counter({ name: 'bellwether_auth_failures_throttled_total', help: 'Requests answered 429 because their client address failed authentication too often' });
const failures = new Counter({ name: 'bellwether_auth_failures_total', help: 'Requests answered 401 (missing or unknown API key)' });
const throttleDown = new Counter({ name: 'bellwether_auth_throttle_unavailable_total', help: 'Auth-failure checks skipped because Redis did not answer' });

/**
 * Failed authentications per client address (GCRA in Redis, `ratelimit:authfail:<address>`,
 * shared by the service's replicas). ApiKeyGuard asks `admit` before it looks at the key, so an
 * address that spent its failure budget gets 429 with Retry-After without its key being checked
 * (guessing keys gets no answer at all), and reports each 401 through `failed`. The address is
 * Fastify's `request.ip`: the socket's peer, or the X-Forwarded-For entry that TRUST_PROXY
 * allows. If Redis is down the check is skipped (counted).
 */
@Injectable()
export class AuthFailureThrottle {
  private readonly limiter: RateLimiter;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(AUTH_FAILURE_POLICY) policy: AuthFailurePolicy,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.limiter = new RateLimiter(redis, policy.perMinute / 60, policy.burst);
  }

  /** Throws 429 if `address` has no failure budget left; spends nothing. */
  async admit(address: string): Promise<void> {
    const decision = await this.ask(() => this.limiter.peek(this.key(address)));
    if (decision && !decision.allowed) this.reject(decision);
  }

  /** Records a failed authentication of `address`; throws 429 if that was one too many. */
  async failed(address: string): Promise<void> {
    failures.inc();
    const decision = await this.ask(() => this.limiter.take(this.key(address)));
    if (decision && !decision.allowed) this.reject(decision);
  }

  private key(address: string): string {
    return `authfail:${address}`;
  }

  private async ask(call: () => Promise<RateDecision>): Promise<RateDecision | null> {
    try {
      return await call();
    } catch (error) {
      throttleDown.inc();
      this.logger.warn({ err: error }, 'auth-failure throttle unavailable; checking the key anyway');
      return null;
    }
  }

  private reject(decision: RateDecision): never {
    throttled.inc();
    throw new RequestRejected(429, [{ path: 'authorization', message: `too many failed authentications from this address; retry in ${decision.retryAfterSeconds} s` }], {
      'Retry-After': String(decision.retryAfterSeconds),
    });
  }
}
