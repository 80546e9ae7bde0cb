import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type DirectoryRecord } from '@bellwether/contracts';
import { Clock, Outbox, Transactions } from '@bellwether/platform';
import { AdminAuditRepository, type StoredAuditEntry } from './admin-audit.repository';
import { DirectoryRepository, type CsmEntry, type TeamEntry } from './directory.repository';

/** Why a directory change was refused (the controller turns it into 400 / 404 / 409). */
export type DirectoryRefusal = { readonly refused: 'unknown-team' | 'not-found' | 'team-has-csms'; readonly detail?: readonly string[] };

/**
 * The directory of CSMs and teams (issue 13): the only source of team membership for access
 * checks. Every change is audited and leaves, in the same transaction, as a record on the
 * compacted `bellwether.directory.v1` (through the outbox) for every service's DirectoryRing.
 * Records are stamped with the injected clock's time.
 */
@Injectable()
export class DirectoryService implements OnApplicationBootstrap {
  constructor(
    private readonly transactions: Transactions,
    private readonly directory: DirectoryRepository,
    private readonly audits: AdminAuditRepository,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /** Republishes every entry at start: the compacted topic converges even if it was lost. */
  async onApplicationBootstrap(): Promise<void> {
    await this.transactions.run(async (manager) => {
      const teams = await this.directory.listTeams(manager);
      const csms = await this.directory.listCsms(manager);
      await this.publish(manager, [...teams.map((entry) => teamRecord(entry.team, entry.managers, false)), ...csms.map((entry) => csmRecord(entry.csmId, entry.team, entry.email, false))]);
    });
  }

  async list(): Promise<{ teams: TeamEntry[]; csms: CsmEntry[] }> {
    return { teams: await this.directory.listTeams(), csms: await this.directory.listCsms() };
  }

  /** Creates or replaces a team and its managers. */
  async putTeam(actorKeyId: string, team: string, managers: readonly string[]): Promise<TeamEntry> {
    return this.transactions.run(async (manager) => {
      const before = await this.directory.findTeamForUpdate(manager, team);
      const after = await this.directory.upsertTeam(manager, team, managers);
      await this.audits.record(manager, { actorKeyId, action: 'directory.team.put', subject: `team:${team}`, before, after });
      await this.publish(manager, [teamRecord(team, after.managers, false)]);
      return after;
    });
  }

  /** Removes a team; refused while CSMs are still in it (move them first). */
  async deleteTeam(actorKeyId: string, team: string): Promise<DirectoryRefusal | null> {
    return this.transactions.run(async (manager) => {
      const before = await this.directory.findTeamForUpdate(manager, team);
      if (!before) return { refused: 'not-found' as const };
      const members = await this.directory.csmIdsInTeam(manager, team);
      if (members.length > 0) return { refused: 'team-has-csms' as const, detail: members };
      await this.directory.deleteTeam(manager, team);
      await this.audits.record(manager, { actorKeyId, action: 'directory.team.delete', subject: `team:${team}`, before, after: null });
      await this.publish(manager, [teamRecord(team, [], true)]);
      return null;
    });
  }

  /**
   * Puts a CSM in a team (which must be in the directory), or in none (`null`), with their email
   * address (already validated: an addr-spec) or none (`null`). The audit keeps both before and after.
   */
  async putCsm(actorKeyId: string, csmId: string, team: string | null, email: string | null): Promise<CsmEntry | DirectoryRefusal> {
    return this.transactions.run(async (manager) => {
      if (team !== null && !(await this.directory.holdTeam(manager, team))) return { refused: 'unknown-team' as const };
      const before = await this.directory.findCsmForUpdate(manager, csmId);
      const after = await this.directory.upsertCsm(manager, csmId, team, email);
      await this.audits.record(manager, { actorKeyId, action: 'directory.csm.put', subject: `csm:${csmId}`, before, after });
      await this.publish(manager, [csmRecord(csmId, team, email, false)]);
      return after;
    });
  }

  async deleteCsm(actorKeyId: string, csmId: string): Promise<DirectoryRefusal | null> {
    return this.transactions.run(async (manager) => {
      const before = await this.directory.findCsmForUpdate(manager, csmId);
      if (!before) return { refused: 'not-found' as const };
      await this.directory.deleteCsm(manager, csmId);
      await this.audits.record(manager, { actorKeyId, action: 'directory.csm.delete', subject: `csm:${csmId}`, before, after: null });
      await this.publish(manager, [csmRecord(csmId, null, null, true)]);
      return null;
    });
  }

  /** Who changed the directory and account ownership, newest first. */
  async audit(limit: number, subject?: string): Promise<StoredAuditEntry[]> {
    return this.audits.read(limit, subject);
  }

  /** Enqueues directory records, keyed `<kind>:<id>` and stamped now, in the caller's transaction. */
  private async publish(manager: EntityManager, records: readonly Omit<DirectoryRecord, 'updatedAt'>[]): Promise<void> {
    const updatedAt = this.clock.nowIso();
    await this.outbox.enqueue(
      manager,
      records.map((record) => ({ topic: Topics.directory, key: `${record.kind}:${record.id}`, payload: { ...record, updatedAt } satisfies DirectoryRecord })),
    );
  }
}

function teamRecord(team: string, managers: readonly string[], deleted: boolean): Omit<DirectoryRecord, 'updatedAt'> {
  return { schemaVersion: 1, kind: 'team', id: team, team: null, managers, deleted };
}

/** A CSM's record; a deleted one carries no address (its tombstone keeps no personal data). */
function csmRecord(csmId: string, team: string | null, email: string | null, deleted: boolean): Omit<DirectoryRecord, 'updatedAt'> {
  return { schemaVersion: 1, kind: 'csm', id: csmId, team, managers: [], email, deleted };
}
