import { applyDecorators, Get, HttpCode, Post, Sse } from '@nestjs/common';
import type { ApiKeyScope } from '@bellwether/contracts';
import { RateLimitClass, RequireScope } from '@bellwether/auth';

// The decorator stacks the queue routes share, once for alerts and incidents alike. The class
// itself carries `@UseGuards(ApiKeyGuard, RateLimitGuard)` and the default `read` rate class.

/** Scopes that may read a queue (list it, follow it live). */
const QUEUE_READERS: readonly ApiKeyScope[] = ['integrator', 'csm', 'manager'];
/** Scopes that may act on a queue's alerts and incidents. */
const QUEUE_ACTORS: readonly ApiKeyScope[] = ['csm', 'manager'];

/** `GET v1/<path>` listing a queue: readable by integrators, CSMs and managers (`read` rate class). */
export function QueueListRoute(path: string): MethodDecorator {
  return applyDecorators(Get(path), RequireScope(...QUEUE_READERS));
}

/** `GET v1/<path>` as server-sent events following a queue: same scopes as a listing. */
export function QueueStreamRoute(path: string): MethodDecorator {
  return applyDecorators(Sse(path), RequireScope(...QUEUE_READERS));
}

/**
 * `POST v1/<path>` acting on an alert or incident: answers 200 (not 201: nothing is created),
 * counts in the `action` rate class, and needs a CSM or manager key.
 */
export function QueueActionRoute(path: string): MethodDecorator {
  return applyDecorators(Post(path), HttpCode(200), RateLimitClass('action'), RequireScope(...QUEUE_ACTORS));
}
