import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RequestRejected } from '@bellwether/platform';
import type { ApiKeyScope } from './api-key.entity';
import { ApiKeysService, hasScope, type Principal } from './api-keys.service';

const REQUIRED_SCOPE = 'bellwether:required-scope';

/** Marks a route with the scope its key must carry. */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE, scope);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** 401 without a valid key, 403 with a key that lacks the route's scope. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    if (!scope) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const verification = await this.keys.verify(request.headers.authorization || bodyWriteKey(request.body));
    if (!verification.ok) {
      const message = verification.reason === 'missing' ? 'an API key is required (Authorization: Bearer <key>)' : 'the API key is not valid';
      throw new RequestRejected(401, [{ path: 'authorization', message }], { 'WWW-Authenticate': 'Bearer realm="bellwether"' });
    }
    if (!hasScope(verification.principal, scope)) {
      throw new RequestRejected(403, [{ path: 'authorization', message: `the API key lacks the ${scope} scope` }]);
    }
    request.principal = verification.principal;
    return true;
  }
}

/** Segment clients may send the write key in the body instead of a header. */
function bodyWriteKey(body: unknown): string | undefined {
  const writeKey = typeof body === 'object' && body !== null ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof writeKey === 'string' && writeKey.length > 0 ? `Bearer ${writeKey}` : undefined;
}
