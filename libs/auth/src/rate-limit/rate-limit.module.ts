import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { RateLimitGuard } from './rate-limit.guard';
import { AUTH_FAILURE_POLICY, type AuthFailurePolicy, RATE_LIMIT_POLICIES, type RatePolicies } from './rate-limit.policy';

/**
 * Per-key rate limits by route class and the per-address failed-authentication throttle, over the
 * service's Redis client (RedisModule must be imported too).
 */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(options: { policies: RatePolicies; authFailures: AuthFailurePolicy }): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [{ provide: RATE_LIMIT_POLICIES, useValue: options.policies }, { provide: AUTH_FAILURE_POLICY, useValue: options.authFailures }, RateLimitGuard, AuthFailureThrottle],
      exports: [RateLimitGuard, AuthFailureThrottle, RATE_LIMIT_POLICIES],
    };
  }
}
