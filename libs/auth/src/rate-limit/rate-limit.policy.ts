import { SetMetadata } from '@nestjs/common';

/**
 * The classes of route that have their own per-key allowance. `ingest` is ingestion's event
 * routes (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST); `read` the GET routes of the work and read
 * APIs (and the alert stream's connect); `action` the POSTs that change an alert or a task;
 * `admin` the admin API.
 */
export type RouteClass = 'ingest' | 'read' | 'action' | 'admin';

/** A smooth rate with a burst on top, as GCRA takes them. */
export interface RatePolicy {
  /** Requests per second, smooth (may be fractional). */
  readonly perSecond: number;
  /** Requests allowed at once above the smooth rate; sent as RateLimit-Limit. */
  readonly burst: number;
}

/** The policies a service enforces; a route whose class is missing here fails at start. */
export type RatePolicies = Readonly<Partial<Record<RouteClass, RatePolicy>>>;

/** The failed-authentication budget of one client address. */
export interface AuthFailurePolicy {
  readonly perMinute: number;
  readonly burst: number;
}

export const RATE_LIMIT_POLICIES = Symbol('RATE_LIMIT_POLICIES');
export const AUTH_FAILURE_POLICY = Symbol('AUTH_FAILURE_POLICY');

const ROUTE_CLASS = 'bellwether:rate-limit-class';

/** Puts a controller or handler in a route class, for RateLimitGuard. */
export const RateLimitClass = (routeClass: RouteClass) => SetMetadata(ROUTE_CLASS, routeClass);

export const ROUTE_CLASS_METADATA = ROUTE_CLASS;

const LIMITED_IN_HANDLER = 'bellwether:rate-limited-in-handler';

/**
 * Marks a handler that spends its route class's allowance itself, in the same Redis round trip as
 * its own work (ingestion's `POST /v1/events`: the limit and the dedup check in one script).
 * RateLimitGuard then lets the request through untouched, and the handler must call
 * `RateLimitGuard.answer` with the decision (or `enforce`) on every path before doing anything
 * costly. The coverage check lists such routes apart (`routesRateLimitedInHandler`), so each app
 * names them and a behaviour test shows the 429.
 */
export const RateLimitedInHandler = () => SetMetadata(LIMITED_IN_HANDLER, true);

export const LIMITED_IN_HANDLER_METADATA = LIMITED_IN_HANDLER;

/**
 * The policies every service shares, from the env (CommonEnv's READ_/ACTION_/ADMIN_RATE_LIMIT_*
 * and AUTH_FAILURE_*).
 */
export function commonRatePolicies(env: {
  READ_RATE_LIMIT_PER_SECOND: number;
  READ_RATE_LIMIT_BURST: number;
  ACTION_RATE_LIMIT_PER_SECOND: number;
  ACTION_RATE_LIMIT_BURST: number;
  ADMIN_RATE_LIMIT_PER_SECOND: number;
  ADMIN_RATE_LIMIT_BURST: number;
}): RatePolicies {
  return {
    read: { perSecond: env.READ_RATE_LIMIT_PER_SECOND, burst: env.READ_RATE_LIMIT_BURST },
    action: { perSecond: env.ACTION_RATE_LIMIT_PER_SECOND, burst: env.ACTION_RATE_LIMIT_BURST },
    admin: { perSecond: env.ADMIN_RATE_LIMIT_PER_SECOND, burst: env.ADMIN_RATE_LIMIT_BURST },
  };
}

/** The failed-authentication budget from CommonEnv's AUTH_FAILURE_LIMIT_PER_MINUTE / AUTH_FAILURE_BURST. */
export function authFailurePolicy(env: { AUTH_FAILURE_LIMIT_PER_MINUTE: number; AUTH_FAILURE_BURST: number }): AuthFailurePolicy {
  return { perMinute: env.AUTH_FAILURE_LIMIT_PER_MINUTE, burst: env.AUTH_FAILURE_BURST };
}
