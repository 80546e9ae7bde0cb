import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, Repository } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { generateKey, parseKey, secretMatches } from './api-key-secret';
import { ApiKeyEntity, apiKeyScopes, type ApiKeyScope } from './api-key.entity';
import { IngestionEnv } from '../ingestion.env';

/** Who a verified key belongs to. */
export interface Principal {
  readonly keyId: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly csmId: string | null;
  readonly team: string | null;
}

export type Verification = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'invalid' };

/** What an admin sees of a key: never the secret nor its hash. */
export interface ApiKeySummary {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly csmId: string | null;
  readonly team: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface CreateKeyRequest {
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly csmId?: string;
  readonly team?: string;
}

@Injectable()
export class ApiKeysService {
  private readonly repository: Repository<ApiKeyEntity>;
  private readonly cache = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) dataSource: DataSource,
    private readonly env: IngestionEnv,
  ) {
    this.repository = dataSource.getRepository(ApiKeyEntity);
  }

  /** Accepts `Bearer <key>` or Segment's `Basic base64(<key>:)`. */
  async verify(authorization: string | undefined): Promise<Verification> {
    const plaintext = extractKey(authorization);
    if (!plaintext) return { ok: false, reason: 'missing' };
    const parsed = parseKey(plaintext);
    if (!parsed) return { ok: false, reason: 'invalid' };
    const cached = this.cache.get(plaintext);
    if (cached && cached.expiresAt > Date.now()) return { ok: true, principal: cached.principal };
    const row = await this.repository.findOneBy({ id: parsed.id });
    if (!row || row.revokedAt || !secretMatches(parsed.secret, row.secretSha256)) {
      this.cache.delete(plaintext);
      return { ok: false, reason: 'invalid' };
    }
    const principal: Principal = { keyId: row.id, scopes: row.scopes, csmId: row.csmId, team: row.team };
    if (this.env.API_KEY_CACHE_SECONDS > 0) this.cache.set(plaintext, { principal, expiresAt: Date.now() + this.env.API_KEY_CACHE_SECONDS * 1000 });
    return { ok: true, principal };
  }

  /** Creates a key; the plaintext is returned once and exists nowhere else. */
  async create(request: CreateKeyRequest): Promise<{ id: string; key: string }> {
    const unknown = request.scopes.filter((scope) => !apiKeyScopes.includes(scope));
    if (request.scopes.length === 0 || unknown.length > 0) throw new Error(`scopes must be some of ${apiKeyScopes.join(', ')}`);
    if (request.scopes.includes('csm') && !request.csmId) throw new Error('a csm key needs a csmId');
    const generated = generateKey();
    await this.repository.insert({
      id: generated.id,
      name: request.name,
      secretSha256: generated.secretSha256,
      scopes: [...request.scopes],
      csmId: request.csmId ?? null,
      team: request.team ?? null,
      revokedAt: null,
    });
    return { id: generated.id, key: generated.plaintext };
  }

  /** A new secret for the same key id and scopes; the old secret stops working (after the cache TTL). */
  async rotate(id: string): Promise<{ id: string; key: string } | null> {
    const generated = generateKey();
    const result = await this.repository
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ secretSha256: generated.secretSha256 })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    this.cache.clear();
    if ((result.affected ?? 0) === 0) return null;
    return { id, key: generated.plaintext.replace(`bwk_${generated.id}_`, `bwk_${id}_`) };
  }

  async list(): Promise<ApiKeySummary[]> {
    const rows = await this.repository.find({ order: { createdAt: 'ASC' } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      scopes: row.scopes,
      csmId: row.csmId,
      team: row.team,
      createdAt: row.createdAt.toISOString(),
      revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
    }));
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.repository
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    this.cache.clear();
    return (result.affected ?? 0) > 0;
  }
}

export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

function extractKey(authorization: string | undefined): string | null {
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
