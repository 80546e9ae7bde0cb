import type { ApiKeyScope } from '@bellwether/contracts';

export const apiKeyScopes: readonly ApiKeyScope[] = ['ingest', 'integrator', 'csm', 'manager', 'admin'];

/** Who a verified key belongs to. */
export interface Principal {
  readonly keyId: string;
  readonly scopes: readonly ApiKeyScope[];
  /** For a csm key: the CSM whose queue and accounts it may see. */
  readonly csmId: string | null;
  /** For a manager (or a csm in a team): the team. */
  readonly team: string | null;
}

export type Verification = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

/** Checks a presented key (the plaintext), wherever the service keeps key records. */
export interface KeyVerifier {
  verify(plaintext: string | null): Promise<Verification>;
}

export const KEY_VERIFIER = Symbol('KEY_VERIFIER');

/** admin holds every scope. */
export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

/** `Bearer <key>`, or Segment's `Basic base64(<key>:)`. */
export function keyFromAuthorization(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, credentials] = authorization.trim().split(/\s+/, 2);
  if (!scheme || !credentials) return null;
  if (scheme.toLowerCase() === 'bearer') return credentials;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return separator >= 0 ? decoded.slice(0, separator) : decoded;
  }
  return null;
}
