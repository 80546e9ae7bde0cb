import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Topics, type JsonObject, type OwnershipAttribute } from '@bellwether/contracts';
import { enqueueOutbox, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { toTelemetryEvent } from '@bellwether/ingestion-domain';
import { INGESTION_SCHEMA } from '../migrations';
import { recordAudit } from '../directory/admin-audit';

/** An account's ownership as the admin API last set it (null: never set, or unassigned). */
export interface AccountOwnership {
  readonly accountId: string;
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
  /** When the admin API last changed it, ISO-8601; null if it never did. */
  readonly updatedAt: string | null;
}

/** A change: a field absent stays as it is, `null` unassigns it. */
export type OwnershipPatch = Partial<Record<OwnershipAttribute, string | null>>;

type Row = { account_id: string; csm_id: string | null; team: string | null; tier: string | null; updated_at: Date };

/**
 * Account ownership (owner CSM, team, tier) from the admin API, a trusted source. A change is
 * stored and audited, and leaves in the same transaction (through the outbox) as an
 * `account.updated` event on `bellwether.events.v1` marked `trustedAttributes`, which is how
 * scoring learns it. CRM syncs with an `accounts:write` key send the same event themselves.
 */
@Injectable()
export class AccountOwnershipService {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async get(accountId: string): Promise<AccountOwnership> {
    const [row] = (await this.dataSource.query('SELECT account_id, csm_id, team, tier, updated_at FROM ingestion.account_ownership WHERE account_id = $1', [accountId])) as Row[];
    return row ? ownershipOf(row) : { accountId, csmId: null, team: null, tier: null, updatedAt: null };
  }

  async patch(actorKeyId: string, accountId: string, patch: OwnershipPatch): Promise<AccountOwnership> {
    return this.dataSource.transaction(async (manager) => {
      const [before] = (await manager.query('SELECT account_id, csm_id, team, tier, updated_at FROM ingestion.account_ownership WHERE account_id = $1 FOR UPDATE', [accountId])) as Row[];
      const next = { csmId: before?.csm_id ?? null, team: before?.team ?? null, tier: before?.tier ?? null, ...patch };
      const [row] = (await manager.query(
        `INSERT INTO ingestion.account_ownership (account_id, csm_id, team, tier) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id) DO UPDATE SET csm_id = EXCLUDED.csm_id, team = EXCLUDED.team, tier = EXCLUDED.tier, updated_at = now()
         RETURNING account_id, csm_id, team, tier, updated_at`,
        [accountId, next.csmId, next.team, next.tier],
      )) as Row[];
      const after = ownershipOf(row as Row);
      await recordAudit(manager, { actorKeyId, action: 'account.ownership.patch', subject: `account:${accountId}`, before: before ? ownershipOf(before) : null, after });
      const now = new Date().toISOString();
      const traits: JsonObject = { ...patch };
      const event = toTelemetryEvent({ id: `admin-ownership-${randomUUID()}`, type: 'account.updated', accountId, timestamp: now, properties: { traits } }, now, 'native', true);
      await enqueueOutbox(manager, INGESTION_SCHEMA, [{ topic: Topics.events, key: accountId, payload: event }]);
      return after;
    });
  }
}

function ownershipOf(row: Row): AccountOwnership {
  return { accountId: row.account_id, csmId: row.csm_id, team: row.team, tier: row.tier, updatedAt: row.updated_at.toISOString() };
}
