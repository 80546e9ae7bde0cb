import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type ApiKeyRecord, type ApiKeyScope } from '@bellwether/contracts';
import { apiKeyScopes, generateKey, keyIdentityProblems, parseKey, principalOf, secretMatches, type KeyVerifier, type Principal, type Verification } from '@bellwether/auth';
import { Clock, Outbox, Transactions } from '@bellwether/platform';
import { IngestionEnv } from '../ingestion.env';
import type { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRepository, type ApiKeyChange } from './api-key.repository';

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

/**
 * The source of truth for API keys. Ingestion verifies against its own table; every change also
 * leaves, in the same transaction, as a record on `bellwether.api-keys.v1` (through the outbox)
 * for the other services' key rings.
 */
@Injectable()
export class ApiKeysService implements KeyVerifier, OnApplicationBootstrap {
  private readonly cache = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly transactions: Transactions,
    private readonly outbox: Outbox,
    private readonly env: IngestionEnv,
    private readonly clock: Clock,
  ) {}

  /** Republishes every key at start: the compacted topic converges even if it was lost. */
  async onApplicationBootstrap(): Promise<void> {
    await this.transactions.run(async (manager) => {
      await this.publish(manager, await this.keys.all(manager));
    });
  }

  async verify(plaintext: string | null): Promise<Verification> {
    if (!plaintext) return { ok: false, reason: 'missing' };
    const parsed = parseKey(plaintext);
    if (!parsed) return { ok: false, reason: 'invalid' };
    const cached = this.cache.get(plaintext);
    if (cached && cached.expiresAt > this.clock.nowMs()) return { ok: true, principal: cached.principal };
    const row = await this.keys.findById(parsed.id);
    if (!row || row.revokedAt || !secretMatches(parsed.secret, row.secretSha256)) {
      this.cache.delete(plaintext);
      return { ok: false, reason: 'invalid' };
    }
    // A csmId or team the key's scopes do not use (keys stored before they were refused) grants nothing.
    const principal: Principal = principalOf(row);
    if (this.env.API_KEY_CACHE_SECONDS > 0) this.cache.set(plaintext, { principal, expiresAt: this.clock.nowMs() + this.env.API_KEY_CACHE_SECONDS * 1000 });
    return { ok: true, principal };
  }

  /** Creates a key; the plaintext is returned once and exists nowhere else. */
  async create(request: CreateKeyRequest): Promise<{ id: string; key: string }> {
    const unknown = request.scopes.filter((scope) => !apiKeyScopes.includes(scope));
    if (request.scopes.length === 0 || unknown.length > 0) throw new Error(`scopes must be some of ${apiKeyScopes.join(', ')}`);
    const identity = keyIdentityProblems(request);
    if (identity.length > 0) throw new Error(identity.map((problem) => `${problem.path} ${problem.message}`).join('; '));
    const generated = generateKey();
    await this.transactions.run(async (manager) => {
      const stored = await this.keys.insert(manager, {
        id: generated.id,
        name: request.name,
        secretSha256: generated.secretSha256,
        scopes: [...request.scopes],
        csmId: request.csmId ?? null,
        team: request.team ?? null,
        revokedAt: null,
      });
      await this.publish(manager, [stored]);
    });
    return { id: generated.id, key: generated.plaintext };
  }

  /** A new secret for the same key id and scopes; the old secret stops working (after the cache TTL). */
  async rotate(id: string): Promise<{ id: string; key: string } | null> {
    const generated = generateKey();
    const rotated = await this.change(id, { secretSha256: generated.secretSha256 });
    return rotated ? { id, key: `bwk_${id}_${generated.plaintext.split('_').slice(2).join('_')}` } : null;
  }

  async revoke(id: string): Promise<boolean> {
    return this.change(id, { revokedAt: new Date(this.clock.nowMs()) });
  }

  async list(): Promise<ApiKeySummary[]> {
    const rows = await this.keys.listByCreation();
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

  private async change(id: string, patch: ApiKeyChange): Promise<boolean> {
    const changed = await this.transactions.run(async (manager) => {
      const row = await this.keys.findLiveForUpdate(manager, id);
      if (!row) return false;
      await this.keys.update(manager, id, patch);
      await this.publish(manager, [{ ...row, ...patch }]);
      return true;
    });
    this.cache.clear();
    return changed;
  }

  private async publish(manager: EntityManager, rows: readonly ApiKeyEntity[]): Promise<void> {
    const updatedAt = this.clock.nowIso();
    await this.outbox.enqueue(
      manager,
      rows.map((row) => {
        const record: ApiKeyRecord = {
          schemaVersion: 1,
          id: row.id,
          secretSha256: row.secretSha256,
          scopes: row.scopes,
          csmId: row.csmId,
          team: row.team,
          revoked: row.revokedAt !== null,
          updatedAt,
        };
        return { topic: Topics.apiKeys, key: row.id, payload: record };
      }),
    );
  }
}
