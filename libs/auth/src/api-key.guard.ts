import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '@bellwether/contracts';
import { RequestRejected } from '@bellwether/platform';
import { hasScope, KEY_VERIFIER, keyFromAuthorization, type KeyVerifier, type Principal } from './principal';
import { AuthFailureThrottle } from './rate-limit/auth-failure-throttle';

const REQUIRED_SCOPES = 'bellwether:required-scopes';

/** The metadata key of `RequireScope` (for checks over controllers). */
export const REQUIRED_SCOPES_METADATA = REQUIRED_SCOPES;

/** The key must carry one of these scopes (admin carries all). */
export const RequireScope = (...scopes: ApiKeyScope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * 401 without a valid key, 403 with a key that lacks every scope the route accepts. A client
 * address that failed too often gets 429 before its key is looked at (AuthFailureThrottle).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(KEY_VERIFIER) private readonly verifier: KeyVerifier,
    private readonly reflector: Reflector,
    private readonly failures: AuthFailureThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scopes = this.reflector.getAllAndOverride<ApiKeyScope[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]);
    if (!scopes || scopes.length === 0) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await this.failures.admit(request.ip);
    const verification = await this.verifier.verify(keyFromAuthorization(request.headers.authorization) ?? bodyWriteKey(request.body));
    if (!verification.ok) {
      await this.failures.failed(request.ip);
      const message = verification.reason === 'missing' ? 'an API key is required (Authorization: Bearer <key>)' : 'the API key is not valid';
      throw new RequestRejected(401, [{ path: 'authorization', message }], { 'WWW-Authenticate': 'Bearer realm="bellwether"' });
    }
    if (!scopes.some((scope) => hasScope(verification.principal, scope))) {
      throw new RequestRejected(403, [{ path: 'authorization', message: `the API key lacks the ${scopes.join(' or ')} scope` }]);
    }
    request.principal = verification.principal;
    return true;
  }
}

/** Segment clients may send the write key in the body instead of a header. */
function bodyWriteKey(body: unknown): string | null {
  const writeKey = typeof body === 'object' && body !== null ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof writeKey === 'string' && writeKey.length > 0 ? writeKey : null;
}

/**
 * The id of the key that made an admin change, for its audit entry (`actorKeyId`). The guard has
 * set the principal on every route this serves; without one, 401 as the guard would answer.
 */
export function actorOf(request: AuthenticatedRequest): string {
  if (!request.principal) throw new RequestRejected(401, [{ path: 'authorization', message: 'an API key is required (Authorization: Bearer <key>)' }]);
  return request.principal.keyId;
}
