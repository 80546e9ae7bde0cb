import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { APP_LOGGER, type AppLogger, REDIS_CLIENT, RequestRejected } from '@bellwether/platform';
import type { AuthenticatedRequest } from '@bellwether/auth';
import { IngestionEnv } from '../ingestion.env';
import { RateLimiter } from './rate-limiter';

const limited = new Counter({ name: 'bellwether_ingest_rate_limited_total', help: 'Requests answered 429' });
const limiterDown = new Counter({ name: 'bellwether_ingest_rate_limiter_unavailable_total', help: 'Requests let through because Redis did not answer' });

/**
 * Per-key request rate (runs after ApiKeyGuard). Every answer carries RateLimit-Limit,
 * -Remaining and -Reset; over the limit it is 429 with Retry-After. If Redis is down the request
 * is let through (counted): losing the limiter must not stop ingestion.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    env: IngestionEnv,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.limiter = new RateLimiter(redis, env.RATE_LIMIT_PER_SECOND, env.RATE_LIMIT_BURST);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const keyId = request.principal?.keyId;
    if (!keyId) return true;
    let decision;
    try {
      decision = await this.limiter.take(keyId);
    } catch (error) {
      limiterDown.inc();
      this.logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
      return true;
    }
    const headers = {
      'RateLimit-Limit': String(decision.limit),
      'RateLimit-Remaining': String(decision.remaining),
      'RateLimit-Reset': String(decision.resetSeconds),
    };
    if (!decision.allowed) {
      limited.inc();
      throw new RequestRejected(429, [{ path: '', message: `rate limit exceeded; retry in ${decision.retryAfterSeconds} s` }], {
        ...headers,
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    void reply.headers(headers);
    return true;
  }
}
