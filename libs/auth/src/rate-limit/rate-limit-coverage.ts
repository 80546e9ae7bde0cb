import type { Type } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { REQUIRED_SCOPES_METADATA } from '../api-key.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { LIMITED_IN_HANDLER_METADATA, ROUTE_CLASS_METADATA } from './rate-limit.policy';

/**
 * The authenticated routes (a `RequireScope` on the handler or its controller) of `controllers`
 * that are not rate-limited: no RateLimitGuard, or no `@RateLimitClass`. A route marked
 * `@RateLimitedInHandler` also needs both (the guard passes it through, the class names its
 * allowance) and is listed by `routesRateLimitedInHandler` too; unless it is named in
 * `limitedInHandler` it counts as not rate-limited (RateLimitGuard passes it through, so only the
 * handler limits it: each app must name such routes, and every app's existing coverage test fails
 * on a new one). Returned as `Controller.method` names; each app's unit test expects none, so no
 * route is unlimited by omission.
 */
export function routesWithoutRateLimit(controllers: readonly Type[], limitedInHandler: readonly string[] = []): string[] {
  return authenticatedRoutes(controllers)
    .filter((route) => !route.guards.includes(RateLimitGuard) || route.routeClass === undefined || (route.limitedInHandler && !limitedInHandler.includes(route.name)))
    .map((route) => route.name);
}

/**
 * The authenticated routes of `controllers` that spend their allowance in the handler
 * (`@RateLimitedInHandler`) rather than in RateLimitGuard. Each app's coverage test lists them by
 * name, and each needs a test showing its 429 with Retry-After.
 */
export function routesRateLimitedInHandler(controllers: readonly Type[]): string[] {
  return authenticatedRoutes(controllers)
    .filter((route) => route.limitedInHandler)
    .map((route) => route.name);
}

interface AuthenticatedRoute {
  readonly name: string;
  readonly guards: readonly unknown[];
  readonly routeClass: unknown;
  readonly limitedInHandler: boolean;
}

function authenticatedRoutes(controllers: readonly Type[]): AuthenticatedRoute[] {
  const routes: AuthenticatedRoute[] = [];
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const scopes: unknown = Reflect.getMetadata(REQUIRED_SCOPES_METADATA, handler) ?? Reflect.getMetadata(REQUIRED_SCOPES_METADATA, controller);
      if (!Array.isArray(scopes) || scopes.length === 0) continue;
      routes.push({
        name: `${controller.name}.${name}`,
        guards: [...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []), ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? [])],
        routeClass: Reflect.getMetadata(ROUTE_CLASS_METADATA, handler) ?? Reflect.getMetadata(ROUTE_CLASS_METADATA, controller),
        limitedInHandler: Reflect.getMetadata(LIMITED_IN_HANDLER_METADATA, handler) === true,
      });
    }
  }
  return routes;
}
