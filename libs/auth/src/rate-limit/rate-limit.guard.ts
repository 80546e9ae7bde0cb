import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { APP_LOGGER, type AppLogger, REDIS_CLIENT, RequestRejected } from '@bellwether/platform';
import type { AuthenticatedRequest } from '../api-key.guard';
import { LIMITED_IN_HANDLER_METADATA, RATE_LIMIT_POLICIES, type RatePolicies, type RouteClass, ROUTE_CLASS_METADATA } from './rate-limit.policy';
import { RateLimiter, type RateDecision } from './rate-limiter';

const limited = new Counter({ name: 'bellwether_rate_limited_total', help: 'Requests answered 429 by the per-key rate limiter', labelNames: ['route_class'] });
const limiterDown = new Counter({
  name: 'bellwether_rate_limiter_unavailable_total',
  help: 'Requests let through because Redis did not answer the rate limiter',
  labelNames: ['route_class'],
});

/** Ingestion's original counters, kept for its dashboards; registered only where `ingest` is used. */
let ingestCounters: { limited: Counter; limiterDown: Counter } | undefined;
function ingestCountersOnce(): { limited: Counter; limiterDown: Counter } {
  ingestCounters ??= {
    limited: new Counter({ name: 'bellwether_ingest_rate_limited_total', help: 'Requests answered 429' }),
    limiterDown: new Counter({ name: 'bellwether_ingest_rate_limiter_unavailable_total', help: 'Requests let through because Redis did not answer' }),
  };
  return ingestCounters;
}

/**
 * Per-key request rate for the route's class (`@RateLimitClass`), after ApiKeyGuard. Every
 * answer carries RateLimit-Limit, -Remaining and -Reset; over the limit it is 429 with
 * Retry-After. Each class has its own allowance per key and service (Redis key
 * `ratelimit:<class>:<keyId>`; `ingest` keeps ingestion's `ratelimit:<keyId>`), shared by the
 * service's replicas. If Redis is down the request is let through (counted): losing the limiter
 * must not stop the service. A handler marked `@RateLimitedInHandler` is passed through: it spends
 * the allowance itself, with `limiter(...)` and `answer`, or `enforce`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters = new Map<RouteClass, RateLimiter>();

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(RATE_LIMIT_POLICIES) policies: RatePolicies,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    private readonly reflector: Reflector,
  ) {
    for (const [routeClass, policy] of Object.entries(policies) as [RouteClass, { perSecond: number; burst: number }][]) {
      this.limiters.set(routeClass, new RateLimiter(redis, policy.perSecond, policy.burst));
    }
    if (this.limiters.has('ingest')) ingestCountersOnce();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const routeClass = this.reflector.getAllAndOverride<RouteClass | undefined>(ROUTE_CLASS_METADATA, [context.getHandler(), context.getClass()]);
    if (!routeClass || !this.limiters.has(routeClass)) throw new Error(`route ${context.getClass().name}.${context.getHandler().name} has no rate limit class with a policy`);
    if (this.reflector.get<boolean | undefined>(LIMITED_IN_HANDLER_METADATA, context.getHandler()) === true) return true;
    await this.enforce(routeClass, context.switchToHttp().getRequest<AuthenticatedRequest>(), context.switchToHttp().getResponse<FastifyReply>());
    return true;
  }

  /**
   * Spends one request of the caller's `routeClass` allowance: sets the RateLimit-* headers on
   * `reply`, or throws 429 with Retry-After. Lets the request through (counted) if Redis does not
   * answer, and requests without a key (nothing to count against).
   */
  async enforce(routeClass: RouteClass, request: AuthenticatedRequest, reply: FastifyReply): Promise<void> {
    const keyId = request.principal?.keyId;
    if (!keyId) return;
    let decision: RateDecision;
    try {
      decision = await this.limiter(routeClass).take(this.allowanceKey(routeClass, keyId));
    } catch (error) {
      this.unavailable(routeClass, error);
      return;
    }
    this.answer(routeClass, decision, reply);
  }

  /** The limiter of `routeClass` (its policy in interval and tolerance, and the decision of a `gcra` answer). */
  limiter(routeClass: RouteClass): RateLimiter {
    const limiter = this.limiters.get(routeClass);
    if (!limiter) throw new Error(`no rate limit policy for the route class ${routeClass}`);
    return limiter;
  }

  /** The key (for `rateLimitKey`) of `keyId`'s allowance in `routeClass`. */
  allowanceKey(routeClass: RouteClass, keyId: string): string {
    return routeClass === 'ingest' ? keyId : `${routeClass}:${keyId}`;
  }

  /** Answers a decision: RateLimit-* headers on `reply` when allowed; otherwise 429 with Retry-After (counted). */
  answer(routeClass: RouteClass, decision: RateDecision, reply: FastifyReply): void {
    const headers = {
      'RateLimit-Limit': String(decision.limit),
      'RateLimit-Remaining': String(decision.remaining),
      'RateLimit-Reset': String(decision.resetSeconds),
    };
    if (!decision.allowed) {
      limited.inc({ route_class: routeClass });
      if (routeClass === 'ingest') ingestCountersOnce().limited.inc();
      throw new RequestRejected(429, [{ path: '', message: `rate limit exceeded; retry in ${decision.retryAfterSeconds} s` }], {
        ...headers,
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    void reply.headers(headers);
  }

  /** Counts and logs a limiter that did not answer; the request goes through. */
  unavailable(routeClass: RouteClass, error: unknown): void {
    limiterDown.inc({ route_class: routeClass });
    if (routeClass === 'ingest') ingestCountersOnce().limiterDown.inc();
    this.logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
  }
}
