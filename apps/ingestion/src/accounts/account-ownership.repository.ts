import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** An account's ownership and economics as the admin API last stored them. */
export interface StoredOwnership {
  readonly accountId: string;
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
  /** Cost to acquire the account, USD (≥ 0); null: not set. */
  readonly cacUsd: number | null;
  /** Gross margin, a fraction in [0, 1]; null: not set. */
  readonly grossMarginPct: number | null;
  /** When the admin API last changed it, ISO-8601. */
  readonly updatedAt: string;
}

/** The attributes a write sets (`null` unassigns or clears). */
export interface OwnershipValues {
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
  readonly cacUsd: number | null;
  readonly grossMarginPct: number | null;
}

// numeric columns come back as text; the values were JavaScript numbers going in, so Number() gives them back exactly.
type Row = { account_id: string; csm_id: string | null; team: string | null; tier: string | null; cac_usd: string | null; gross_margin_pct: string | null; updated_at: Date };

const COLUMNS = 'account_id, csm_id, team, tier, cac_usd, gross_margin_pct, updated_at';

/** SQL of `ingestion.account_ownership` (ownership and economics). Parameterized statements only. */
@Injectable()
export class AccountOwnershipRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** The stored ownership, or null when the admin API never set it. */
  async find(accountId: string): Promise<StoredOwnership | null> {
    const [row] = (await this.dataSource.query(`SELECT ${COLUMNS} FROM ingestion.account_ownership WHERE account_id = $1`, [accountId])) as Row[];
    return row ? ownershipOf(row) : null;
  }

  /** The stored ownership locked for the caller's transaction (`FOR UPDATE`); null when there is none. */
  async findForUpdate(manager: EntityManager, accountId: string): Promise<StoredOwnership | null> {
    const [row] = (await manager.query(`SELECT ${COLUMNS} FROM ingestion.account_ownership WHERE account_id = $1 FOR UPDATE`, [accountId])) as Row[];
    return row ? ownershipOf(row) : null;
  }

  /** Stores every attribute in the caller's transaction; returns the row (`updatedAt` from the database). */
  async save(manager: EntityManager, accountId: string, values: OwnershipValues): Promise<StoredOwnership> {
    const [row] = (await manager.query(
      `INSERT INTO ingestion.account_ownership (account_id, csm_id, team, tier, cac_usd, gross_margin_pct) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (account_id) DO UPDATE SET csm_id = EXCLUDED.csm_id, team = EXCLUDED.team, tier = EXCLUDED.tier,
         cac_usd = EXCLUDED.cac_usd, gross_margin_pct = EXCLUDED.gross_margin_pct, updated_at = now()
       RETURNING ${COLUMNS}`,
      [accountId, values.csmId, values.team, values.tier, values.cacUsd, values.grossMarginPct],
    )) as Row[];
    return ownershipOf(row as Row);
  }
}

function ownershipOf(row: Row): StoredOwnership {
  return {
    accountId: row.account_id,
    csmId: row.csm_id,
    team: row.team,
    tier: row.tier,
    cacUsd: row.cac_usd === null ? null : Number(row.cac_usd),
    grossMarginPct: row.gross_margin_pct === null ? null : Number(row.gross_margin_pct),
    updatedAt: row.updated_at.toISOString(),
  };
}
