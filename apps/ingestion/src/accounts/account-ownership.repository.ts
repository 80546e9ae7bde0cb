import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** An account's ownership as the admin API last stored it. */
export interface StoredOwnership {
  readonly accountId: string;
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
  /** When the admin API last changed it, ISO-8601. */
  readonly updatedAt: string;
}

/** The attributes a write sets (`null` unassigns). */
export interface OwnershipValues {
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
}

type Row = { account_id: string; csm_id: string | null; team: string | null; tier: string | null; updated_at: Date };

/** SQL of `ingestion.account_ownership`. Parameterized statements only. */
@Injectable()
export class AccountOwnershipRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** The stored ownership, or null when the admin API never set it. */
  async find(accountId: string): Promise<StoredOwnership | null> {
    const [row] = (await this.dataSource.query('SELECT account_id, csm_id, team, tier, updated_at FROM ingestion.account_ownership WHERE account_id = $1', [accountId])) as Row[];
    return row ? ownershipOf(row) : null;
  }

  /** The stored ownership locked for the caller's transaction (`FOR UPDATE`); null when there is none. */
  async findForUpdate(manager: EntityManager, accountId: string): Promise<StoredOwnership | null> {
    const [row] = (await manager.query('SELECT account_id, csm_id, team, tier, updated_at FROM ingestion.account_ownership WHERE account_id = $1 FOR UPDATE', [
      accountId,
    ])) as Row[];
    return row ? ownershipOf(row) : null;
  }

  /** Stores all three attributes in the caller's transaction; returns the row (`updatedAt` from the database). */
  async save(manager: EntityManager, accountId: string, values: OwnershipValues): Promise<StoredOwnership> {
    const [row] = (await manager.query(
      `INSERT INTO ingestion.account_ownership (account_id, csm_id, team, tier) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id) DO UPDATE SET csm_id = EXCLUDED.csm_id, team = EXCLUDED.team, tier = EXCLUDED.tier, updated_at = now()
       RETURNING account_id, csm_id, team, tier, updated_at`,
      [accountId, values.csmId, values.team, values.tier],
    )) as Row[];
    return ownershipOf(row as Row);
  }
}

function ownershipOf(row: Row): StoredOwnership {
  return { accountId: row.account_id, csmId: row.csm_id, team: row.team, tier: row.tier, updatedAt: row.updated_at.toISOString() };
}
