import type { Type } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { REQUIRED_SCOPES_METADATA } from '../api-key.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { ROUTE_CLASS_METADATA } from './rate-limit.policy';

/**
 * The authenticated routes (a `RequireScope` on the handler or its controller) of `controllers`
 * that RateLimitGuard does not cover: no guard, or no `@RateLimitClass`. Returned as
 * `Controller.method` names; each app's unit test expects none, so no route is unlimited by
 * omission.
 */
export function routesWithoutRateLimit(controllers: readonly Type[]): string[] {
  const missing: string[] = [];
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const scopes: unknown = Reflect.getMetadata(REQUIRED_SCOPES_METADATA, handler) ?? Reflect.getMetadata(REQUIRED_SCOPES_METADATA, controller);
      if (!Array.isArray(scopes) || scopes.length === 0) continue;
      const guards = [...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []), ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? [])];
      const routeClass: unknown = Reflect.getMetadata(ROUTE_CLASS_METADATA, handler) ?? Reflect.getMetadata(ROUTE_CLASS_METADATA, controller);
      if (!guards.includes(RateLimitGuard) || routeClass === undefined) missing.push(`${controller.name}.${name}`);
    }
  }
  return missing;
}
