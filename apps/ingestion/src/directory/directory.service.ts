import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Topics, type DirectoryRecord } from '@bellwether/contracts';
import { enqueueOutbox, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { INGESTION_SCHEMA } from '../migrations';
import { readAudit, recordAudit, type StoredAuditEntry } from './admin-audit';

export interface TeamEntry {
  readonly team: string;
  readonly managers: readonly string[];
  readonly updatedAt: string;
}

export interface CsmEntry {
  readonly csmId: string;
  /** Null: the CSM is in no team (no manager sees their book). */
  readonly team: string | null;
  readonly updatedAt: string;
}

/** Why a directory change was refused (the controller turns it into 400 / 404 / 409). */
export type DirectoryRefusal = { readonly refused: 'unknown-team' | 'not-found' | 'team-has-csms'; readonly detail?: readonly string[] };

type TeamRow = { team: string; managers: string[]; updated_at: Date };
type CsmRow = { csm_id: string; team: string | null; updated_at: Date };

/**
 * The directory of CSMs and teams (issue 13): the only source of team membership for access
 * checks. Every change is audited and leaves, in the same transaction, as a record on the
 * compacted `bellwether.directory.v1` (through the outbox) for every service's DirectoryRing.
 */
@Injectable()
export class DirectoryService implements OnApplicationBootstrap {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Republishes every entry at start: the compacted topic converges even if it was lost. */
  async onApplicationBootstrap(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const teams = (await manager.query('SELECT team, managers, updated_at FROM ingestion.directory_teams')) as TeamRow[];
      const csms = (await manager.query('SELECT csm_id, team, updated_at FROM ingestion.directory_csms')) as CsmRow[];
      await publish(manager, [...teams.map((row) => teamRecord(row.team, row.managers, false)), ...csms.map((row) => csmRecord(row.csm_id, row.team, false))]);
    });
  }

  async list(): Promise<{ teams: TeamEntry[]; csms: CsmEntry[] }> {
    const teams = (await this.dataSource.query('SELECT team, managers, updated_at FROM ingestion.directory_teams ORDER BY team')) as TeamRow[];
    const csms = (await this.dataSource.query('SELECT csm_id, team, updated_at FROM ingestion.directory_csms ORDER BY csm_id')) as CsmRow[];
    return { teams: teams.map(teamEntry), csms: csms.map(csmEntry) };
  }

  /** Creates or replaces a team and its managers. */
  async putTeam(actorKeyId: string, team: string, managers: readonly string[]): Promise<TeamEntry> {
    return this.dataSource.transaction(async (manager) => {
      const [before] = (await manager.query('SELECT team, managers, updated_at FROM ingestion.directory_teams WHERE team = $1 FOR UPDATE', [team])) as TeamRow[];
      const [row] = (await manager.query(
        `INSERT INTO ingestion.directory_teams (team, managers) VALUES ($1, $2::text[])
         ON CONFLICT (team) DO UPDATE SET managers = EXCLUDED.managers, updated_at = now()
         RETURNING team, managers, updated_at`,
        [team, [...managers]],
      )) as TeamRow[];
      const after = teamEntry(row as TeamRow);
      await recordAudit(manager, { actorKeyId, action: 'directory.team.put', subject: `team:${team}`, before: before ? teamEntry(before) : null, after });
      await publish(manager, [teamRecord(team, after.managers, false)]);
      return after;
    });
  }

  /** Removes a team; refused while CSMs are still in it (move them first). */
  async deleteTeam(actorKeyId: string, team: string): Promise<DirectoryRefusal | null> {
    return this.dataSource.transaction(async (manager) => {
      const [before] = (await manager.query('SELECT team, managers, updated_at FROM ingestion.directory_teams WHERE team = $1 FOR UPDATE', [team])) as TeamRow[];
      if (!before) return { refused: 'not-found' as const };
      const members = (await manager.query('SELECT csm_id FROM ingestion.directory_csms WHERE team = $1 ORDER BY csm_id', [team])) as { csm_id: string }[];
      if (members.length > 0) return { refused: 'team-has-csms' as const, detail: members.map((member) => member.csm_id) };
      await manager.query('DELETE FROM ingestion.directory_teams WHERE team = $1', [team]);
      await recordAudit(manager, { actorKeyId, action: 'directory.team.delete', subject: `team:${team}`, before: teamEntry(before), after: null });
      await publish(manager, [teamRecord(team, [], true)]);
      return null;
    });
  }

  /** Puts a CSM in a team (which must be in the directory), or in none (`null`). */
  async putCsm(actorKeyId: string, csmId: string, team: string | null): Promise<CsmEntry | DirectoryRefusal> {
    return this.dataSource.transaction(async (manager) => {
      if (team !== null) {
        const [known] = (await manager.query('SELECT team FROM ingestion.directory_teams WHERE team = $1 FOR SHARE', [team])) as { team: string }[];
        if (!known) return { refused: 'unknown-team' as const };
      }
      const [before] = (await manager.query('SELECT csm_id, team, updated_at FROM ingestion.directory_csms WHERE csm_id = $1 FOR UPDATE', [csmId])) as CsmRow[];
      const [row] = (await manager.query(
        `INSERT INTO ingestion.directory_csms (csm_id, team) VALUES ($1, $2)
         ON CONFLICT (csm_id) DO UPDATE SET team = EXCLUDED.team, updated_at = now()
         RETURNING csm_id, team, updated_at`,
        [csmId, team],
      )) as CsmRow[];
      const after = csmEntry(row as CsmRow);
      await recordAudit(manager, { actorKeyId, action: 'directory.csm.put', subject: `csm:${csmId}`, before: before ? csmEntry(before) : null, after });
      await publish(manager, [csmRecord(csmId, team, false)]);
      return after;
    });
  }

  async deleteCsm(actorKeyId: string, csmId: string): Promise<DirectoryRefusal | null> {
    return this.dataSource.transaction(async (manager) => {
      const [before] = (await manager.query('SELECT csm_id, team, updated_at FROM ingestion.directory_csms WHERE csm_id = $1 FOR UPDATE', [csmId])) as CsmRow[];
      if (!before) return { refused: 'not-found' as const };
      await manager.query('DELETE FROM ingestion.directory_csms WHERE csm_id = $1', [csmId]);
      await recordAudit(manager, { actorKeyId, action: 'directory.csm.delete', subject: `csm:${csmId}`, before: csmEntry(before), after: null });
      await publish(manager, [csmRecord(csmId, null, true)]);
      return null;
    });
  }

  /** Who changed the directory and account ownership, newest first. */
  async audit(limit: number, subject?: string): Promise<StoredAuditEntry[]> {
    return readAudit(this.dataSource.manager, limit, subject);
  }
}

function teamEntry(row: TeamRow): TeamEntry {
  return { team: row.team, managers: row.managers, updatedAt: row.updated_at.toISOString() };
}

function csmEntry(row: CsmRow): CsmEntry {
  return { csmId: row.csm_id, team: row.team, updatedAt: row.updated_at.toISOString() };
}

function teamRecord(team: string, managers: readonly string[], deleted: boolean): Omit<DirectoryRecord, 'updatedAt'> {
  return { schemaVersion: 1, kind: 'team', id: team, team: null, managers, deleted };
}

function csmRecord(csmId: string, team: string | null, deleted: boolean): Omit<DirectoryRecord, 'updatedAt'> {
  return { schemaVersion: 1, kind: 'csm', id: csmId, team, managers: [], deleted };
}

async function publish(manager: EntityManager, records: readonly Omit<DirectoryRecord, 'updatedAt'>[]): Promise<void> {
  const updatedAt = new Date().toISOString();
  await enqueueOutbox(
    manager,
    INGESTION_SCHEMA,
    records.map((record) => ({ topic: Topics.directory, key: `${record.kind}:${record.id}`, payload: { ...record, updatedAt } satisfies DirectoryRecord })),
  );
}
