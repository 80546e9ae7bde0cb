import type { ApiKeyScope } from '@bellwether/contracts';

export const apiKeyScopes: readonly ApiKeyScope[] = ['ingest', 'integrator', 'csm', 'manager', 'admin', 'accounts:write'];

/** Who a verified key belongs to. */
export interface Principal {
  readonly keyId: string;
  readonly scopes: readonly ApiKeyScope[];
  /** For a csm key: the CSM whose queue and accounts it may see. Null on every other key. */
  readonly csmId: string | null;
  /** For a manager key: the team it oversees (its members come from the directory). Null on every other key. */
  readonly team: string | null;
}

/**
 * Who a key acts for, from its stored record: a csm key names its CSM, a manager key its team.
 * Fields a key's scopes do not use are dropped, so a key stored before they were refused (an
 * ingest key with a csmId and team) grants nothing through them.
 */
export function principalOf(record: { readonly id: string; readonly scopes: readonly ApiKeyScope[]; readonly csmId: string | null; readonly team: string | null }): Principal {
  return {
    keyId: record.id,
    scopes: record.scopes,
    csmId: record.scopes.includes('csm') ? record.csmId : null,
    team: record.scopes.includes('manager') ? record.team : null,
  };
}

/**
 * What is wrong with the identity a new key would carry (issue 13): a csm key needs its csmId, a
 * manager key its team, and no key may carry a csmId or team its scopes do not use (team
 * membership is directory data, never a key's). Empty when the key is fine. Paths name the field.
 */
export function keyIdentityProblems(request: { readonly scopes: readonly ApiKeyScope[]; readonly csmId?: string | null; readonly team?: string | null }): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const isCsm = request.scopes.includes('csm');
  const isManager = request.scopes.includes('manager');
  if (isCsm && !request.csmId) problems.push({ path: 'csmId', message: 'is required for a key with the csm scope' });
  if (!isCsm && request.csmId) problems.push({ path: 'csmId', message: 'is only allowed on a key with the csm scope (team membership lives in the directory)' });
  if (isManager && !request.team) problems.push({ path: 'team', message: 'is required for a key with the manager scope' });
  if (!isManager && request.team) problems.push({ path: 'team', message: 'is only allowed on a key with the manager scope (team membership lives in the directory)' });
  return problems;
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
