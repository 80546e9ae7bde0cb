import type { DirectoryRecord } from '@bellwether/contracts';

/**
 * Team membership as access checks need it: which CSMs a team has (a manager sees their books)
 * and which team a CSM is in (where their escalations go). The source is the directory kept by
 * the admin API, never the keys: a key only names who it acts for.
 */
export interface TeamDirectory {
  csmsOfTeam(team: string): ReadonlySet<string>;
  teamOfCsm(csmId: string): string | null;
  managersOf(team: string): readonly string[];
}

/**
 * CSMs' email addresses as the directory holds them (issue 18 §4): where playbook sends the email
 * steps of a CSM's accounts. The admin API validated each (addr-spec, libs/contracts
 * `emailAddressSchema`).
 */
export interface CsmAddresses {
  /** The CSM's address; null when the directory has no such CSM, or one without an address. */
  emailOfCsm(csmId: string): string | null;
  /** Resolves once the addresses the directory held at start are known (a reader's catch-up). */
  readonly caughtUp: Promise<void>;
}

const NO_CSMS: ReadonlySet<string> = new Set();

/**
 * The directory in memory, built from `bellwether.directory.v1` records in any order: the newest
 * record (by `updatedAt`) of each entry wins, so a late duplicate cannot undo a later change.
 * Pure (no I/O); `DirectoryRing` feeds it from Kafka.
 */
export class DirectoryState implements TeamDirectory, CsmAddresses {
  private readonly entries = new Map<string, DirectoryRecord>();
  private readonly teamMembers = new Map<string, Set<string>>();

  /** Applies one record; false when it is older than what is already known (ignored). */
  apply(record: DirectoryRecord): boolean {
    const key = `${record.kind}:${record.id}`;
    const current = this.entries.get(key);
    if (current && current.updatedAt > record.updatedAt) return false;
    if (record.kind === 'csm' && current?.team) this.teamMembers.get(current.team)?.delete(record.id);
    this.entries.set(key, record);
    if (record.kind === 'csm' && !record.deleted && record.team) {
      const members = this.teamMembers.get(record.team) ?? new Set<string>();
      members.add(record.id);
      this.teamMembers.set(record.team, members);
    }
    return true;
  }

  csmsOfTeam(team: string): ReadonlySet<string> {
    return this.teamMembers.get(team) ?? NO_CSMS;
  }

  teamOfCsm(csmId: string): string | null {
    const entry = this.entries.get(`csm:${csmId}`);
    return entry && !entry.deleted ? entry.team : null;
  }

  /** A state in hand holds what was applied to it: caught up. */
  readonly caughtUp: Promise<void> = Promise.resolve();

  emailOfCsm(csmId: string): string | null {
    const entry = this.entries.get(`csm:${csmId}`);
    return entry && !entry.deleted ? (entry.email ?? null) : null;
  }

  managersOf(team: string): readonly string[] {
    const entry = this.entries.get(`team:${team}`);
    return entry && !entry.deleted ? entry.managers : [];
  }

  /** Live entries (CSMs and teams). */
  get size(): number {
    let live = 0;
    for (const entry of this.entries.values()) if (!entry.deleted) live += 1;
    return live;
  }
}
