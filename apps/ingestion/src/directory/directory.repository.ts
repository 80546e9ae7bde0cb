import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** A team and its managers, as stored. */
export interface TeamEntry {
  readonly team: string;
  readonly managers: readonly string[];
  /** ISO-8601. */
  readonly updatedAt: string;
}

/** A CSM and the team they are in, as stored. */
export interface CsmEntry {
  readonly csmId: string;
  /** Null: the CSM is in no team (no manager sees their book). */
  readonly team: string | null;
  /** The CSM's email address (an addr-spec); null: none, their accounts' emails go to EMAIL_FALLBACK_TO. */
  readonly email: string | null;
  /** ISO-8601. */
  readonly updatedAt: string;
}

type TeamRow = { team: string; managers: string[]; updated_at: Date };
type CsmRow = { csm_id: string; team: string | null; email: string | null; updated_at: Date };

/**
 * SQL of the directory (`ingestion.directory_teams`, `ingestion.directory_csms`). Parameterized
 * statements only. Reads take an optional `manager` (the caller's transaction; the data source
 * otherwise); locks and writes always work in the caller's transaction.
 */
@Injectable()
export class DirectoryRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Every team, by name. */
  async listTeams(manager: EntityManager = this.dataSource.manager): Promise<TeamEntry[]> {
    const rows = (await manager.query('SELECT team, managers, updated_at FROM ingestion.directory_teams ORDER BY team')) as TeamRow[];
    return rows.map(teamEntry);
  }

  /** Every CSM, by id. */
  async listCsms(manager: EntityManager = this.dataSource.manager): Promise<CsmEntry[]> {
    const rows = (await manager.query('SELECT csm_id, team, email, updated_at FROM ingestion.directory_csms ORDER BY csm_id')) as CsmRow[];
    return rows.map(csmEntry);
  }

  /** A team, locked for this transaction (`FOR UPDATE`); null when there is none. */
  async findTeamForUpdate(manager: EntityManager, team: string): Promise<TeamEntry | null> {
    const [row] = (await manager.query('SELECT team, managers, updated_at FROM ingestion.directory_teams WHERE team = $1 FOR UPDATE', [team])) as TeamRow[];
    return row ? teamEntry(row) : null;
  }

  /** Whether a team exists, holding it (`FOR SHARE`) so it cannot be deleted before this transaction ends. */
  async holdTeam(manager: EntityManager, team: string): Promise<boolean> {
    const rows = (await manager.query('SELECT team FROM ingestion.directory_teams WHERE team = $1 FOR SHARE', [team])) as { team: string }[];
    return rows.length > 0;
  }

  /** Creates or replaces a team's managers; returns the stored team (`updatedAt` from the database). */
  async upsertTeam(manager: EntityManager, team: string, managers: readonly string[]): Promise<TeamEntry> {
    const [row] = (await manager.query(
      `INSERT INTO ingestion.directory_teams (team, managers) VALUES ($1, $2::text[])
       ON CONFLICT (team) DO UPDATE SET managers = EXCLUDED.managers, updated_at = now()
       RETURNING team, managers, updated_at`,
      [team, [...managers]],
    )) as TeamRow[];
    return teamEntry(row as TeamRow);
  }

  async deleteTeam(manager: EntityManager, team: string): Promise<void> {
    await manager.query('DELETE FROM ingestion.directory_teams WHERE team = $1', [team]);
  }

  /** The ids of the CSMs in a team, sorted. */
  async csmIdsInTeam(manager: EntityManager, team: string): Promise<string[]> {
    const rows = (await manager.query('SELECT csm_id FROM ingestion.directory_csms WHERE team = $1 ORDER BY csm_id', [team])) as { csm_id: string }[];
    return rows.map((row) => row.csm_id);
  }

  /** A CSM, locked for this transaction (`FOR UPDATE`); null when there is none. */
  async findCsmForUpdate(manager: EntityManager, csmId: string): Promise<CsmEntry | null> {
    const [row] = (await manager.query('SELECT csm_id, team, email, updated_at FROM ingestion.directory_csms WHERE csm_id = $1 FOR UPDATE', [csmId])) as CsmRow[];
    return row ? csmEntry(row) : null;
  }

  /** Puts a CSM in a team (or none) with an email address (or none); returns the stored CSM (`updatedAt` from the database). */
  async upsertCsm(manager: EntityManager, csmId: string, team: string | null, email: string | null): Promise<CsmEntry> {
    const [row] = (await manager.query(
      `INSERT INTO ingestion.directory_csms (csm_id, team, email) VALUES ($1, $2, $3)
       ON CONFLICT (csm_id) DO UPDATE SET team = EXCLUDED.team, email = EXCLUDED.email, updated_at = now()
       RETURNING csm_id, team, email, updated_at`,
      [csmId, team, email],
    )) as CsmRow[];
    return csmEntry(row as CsmRow);
  }

  async deleteCsm(manager: EntityManager, csmId: string): Promise<void> {
    await manager.query('DELETE FROM ingestion.directory_csms WHERE csm_id = $1', [csmId]);
  }
}

function teamEntry(row: TeamRow): TeamEntry {
  return { team: row.team, managers: row.managers, updatedAt: row.updated_at.toISOString() };
}

function csmEntry(row: CsmRow): CsmEntry {
  return { csmId: row.csm_id, team: row.team, email: row.email, updatedAt: row.updated_at.toISOString() };
}
