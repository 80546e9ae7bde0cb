import type { EntityManager } from 'typeorm';
import { Topics, type DirectoryRecord } from '@bellwether/contracts';
import { FixedClock, type Outbox, type Transactions } from '@bellwether/platform';
import type { AdminAuditRepository, StoredAuditEntry } from './admin-audit.repository';
import type { CsmEntry, DirectoryRepository, TeamEntry } from './directory.repository';
import { DirectoryService } from './directory.service';

/** A typed fake of a class' public surface (what the unit under test can call). */
const fake = <T>(methods: { [K in keyof T]: T[K] }): T => methods as T;

const now = '2026-03-01T10:00:00.000Z';
const rowTime = '2026-03-01T09:59:59.500Z';

/** An in-memory directory behind the repository's surface; every call is logged with whether it ran in the transaction. */
function harness(initial: { teams?: TeamEntry[]; csms?: CsmEntry[] } = {}) {
  const manager = { transaction: 'directory' } as unknown as EntityManager;
  const teams = new Map((initial.teams ?? []).map((entry) => [entry.team, entry]));
  const csms = new Map((initial.csms ?? []).map((entry) => [entry.csmId, entry]));
  const writes: [string, boolean, ...unknown[]][] = [];
  const inTransaction = (tx: EntityManager | undefined) => tx === manager;
  const transactions: Transactions = { run: (work) => work(manager) };
  const directory = fake<DirectoryRepository>({
    listTeams: async () => [...teams.values()],
    listCsms: async () => [...csms.values()],
    findTeamForUpdate: async (_tx, team) => teams.get(team) ?? null,
    holdTeam: async (_tx, team) => teams.has(team),
    upsertTeam: async (tx, team, managers) => {
      writes.push(['upsertTeam', inTransaction(tx), team]);
      const entry = { team, managers: [...managers], updatedAt: rowTime };
      teams.set(team, entry);
      return entry;
    },
    deleteTeam: async (tx, team) => void writes.push(['deleteTeam', inTransaction(tx), team]),
    csmIdsInTeam: async (_tx, team) => [...csms.values()].filter((entry) => entry.team === team).map((entry) => entry.csmId),
    findCsmForUpdate: async (_tx, csmId) => csms.get(csmId) ?? null,
    upsertCsm: async (tx, csmId, team, email) => {
      writes.push(['upsertCsm', inTransaction(tx), csmId, team, email]);
      return { csmId, team, email, updatedAt: rowTime };
    },
    deleteCsm: async (tx, csmId) => void writes.push(['deleteCsm', inTransaction(tx), csmId]),
  });
  const stored: StoredAuditEntry[] = [{ id: 7, at: now, actorKeyId: 'key-admin', action: 'directory.csm.put', subject: 'csm:c1', before: null, after: null }];
  const audits = fake<AdminAuditRepository>({
    record: async (tx, entry) => void writes.push(['audit', inTransaction(tx), entry]),
    read: async (limit, subject) => stored.filter((entry) => subject === undefined || entry.subject === subject).slice(0, limit),
  });
  const outbox = fake<Outbox>({ enqueue: async (tx, messages) => void writes.push(['enqueue', inTransaction(tx), messages]) });
  return { service: new DirectoryService(transactions, directory, audits, outbox, new FixedClock(Date.parse(now))), writes };
}

const directoryMessage = (record: Omit<DirectoryRecord, 'updatedAt'>) => ({ topic: Topics.directory, key: `${record.kind}:${record.id}`, payload: { ...record, updatedAt: now } });
const emea: TeamEntry = { team: 'emea', managers: ['m1'], updatedAt: '2026-02-01T00:00:00.000Z' };

describe('DirectoryService', () => {
  it('puts a team: stores it, audits before and after, and enqueues its record stamped at the clock time, all in one transaction', async () => {
    const { service, writes } = harness({ teams: [emea] });
    const after = await service.putTeam('key-admin', 'emea', ['m1', 'm2']);
    expect(after).toEqual({ team: 'emea', managers: ['m1', 'm2'], updatedAt: rowTime });
    expect(writes).toEqual([
      ['upsertTeam', true, 'emea'],
      ['audit', true, { actorKeyId: 'key-admin', action: 'directory.team.put', subject: 'team:emea', before: emea, after }],
      ['enqueue', true, [directoryMessage({ schemaVersion: 1, kind: 'team', id: 'emea', team: null, managers: ['m1', 'm2'], deleted: false })]],
    ]);
  });

  it('refuses to delete a missing team, or one with CSMs (naming them), and then writes nothing', async () => {
    const { service, writes } = harness({ teams: [emea], csms: [{ csmId: 'c2', team: 'emea', email: null, updatedAt: now }, { csmId: 'c1', team: 'emea', email: null, updatedAt: now }] });
    expect(await service.deleteTeam('key-admin', 'apac')).toEqual({ refused: 'not-found' });
    expect(await service.deleteTeam('key-admin', 'emea')).toEqual({ refused: 'team-has-csms', detail: ['c2', 'c1'] });
    expect(writes).toEqual([]);
  });

  it('deletes an empty team with an audit and a deleted (tombstone) record', async () => {
    const { service, writes } = harness({ teams: [emea] });
    expect(await service.deleteTeam('key-admin', 'emea')).toBeNull();
    expect(writes).toEqual([
      ['deleteTeam', true, 'emea'],
      ['audit', true, { actorKeyId: 'key-admin', action: 'directory.team.delete', subject: 'team:emea', before: emea, after: null }],
      ['enqueue', true, [directoryMessage({ schemaVersion: 1, kind: 'team', id: 'emea', team: null, managers: [], deleted: true })]],
    ]);
  });

  it('refuses a CSM in an unknown team; puts one in a known team or in none', async () => {
    const { service, writes } = harness({ teams: [emea] });
    expect(await service.putCsm('key-admin', 'c1', 'apac', 'c1@acme.example')).toEqual({ refused: 'unknown-team' });
    expect(writes).toEqual([]);

    expect(await service.putCsm('key-admin', 'c1', 'emea', null)).toEqual({ csmId: 'c1', team: 'emea', email: null, updatedAt: rowTime });
    expect(await service.putCsm('key-admin', 'c2', null, null)).toEqual({ csmId: 'c2', team: null, email: null, updatedAt: rowTime });
    expect(writes).toEqual([
      ['upsertCsm', true, 'c1', 'emea', null],
      ['audit', true, { actorKeyId: 'key-admin', action: 'directory.csm.put', subject: 'csm:c1', before: null, after: { csmId: 'c1', team: 'emea', email: null, updatedAt: rowTime } }],
      ['enqueue', true, [directoryMessage({ schemaVersion: 1, kind: 'csm', id: 'c1', team: 'emea', managers: [], email: null, deleted: false })]],
      ['upsertCsm', true, 'c2', null, null],
      ['audit', true, { actorKeyId: 'key-admin', action: 'directory.csm.put', subject: 'csm:c2', before: null, after: { csmId: 'c2', team: null, email: null, updatedAt: rowTime } }],
      ['enqueue', true, [directoryMessage({ schemaVersion: 1, kind: 'csm', id: 'c2', team: null, managers: [], email: null, deleted: false })]],
    ]);
  });

  it("stores a CSM's email address, audits it before and after, and publishes it on their record (issue 18 §4)", async () => {
    const c1: CsmEntry = { csmId: 'c1', team: 'emea', email: null, updatedAt: '2026-02-01T00:00:00.000Z' };
    const { service, writes } = harness({ teams: [emea], csms: [c1] });
    const after = await service.putCsm('key-admin', 'c1', 'emea', 'c1@acme.example');
    expect(after).toEqual({ csmId: 'c1', team: 'emea', email: 'c1@acme.example', updatedAt: rowTime });
    expect(writes).toEqual([
      ['upsertCsm', true, 'c1', 'emea', 'c1@acme.example'],
      ['audit', true, { actorKeyId: 'key-admin', action: 'directory.csm.put', subject: 'csm:c1', before: c1, after }],
      ['enqueue', true, [directoryMessage({ schemaVersion: 1, kind: 'csm', id: 'c1', team: 'emea', managers: [], email: 'c1@acme.example', deleted: false })]],
    ]);
  });

  it('deletes a CSM with an audit and a tombstone; a missing one is not-found', async () => {
    const c1: CsmEntry = { csmId: 'c1', team: 'emea', email: 'c1@acme.example', updatedAt: rowTime };
    const { service, writes } = harness({ teams: [emea], csms: [c1] });
    expect(await service.deleteCsm('key-admin', 'c9')).toEqual({ refused: 'not-found' });
    expect(await service.deleteCsm('key-admin', 'c1')).toBeNull();
    expect(writes).toEqual([
      ['deleteCsm', true, 'c1'],
      ['audit', true, { actorKeyId: 'key-admin', action: 'directory.csm.delete', subject: 'csm:c1', before: c1, after: null }],
      ['enqueue', true, [directoryMessage({ schemaVersion: 1, kind: 'csm', id: 'c1', team: null, managers: [], email: null, deleted: true })]],
    ]);
  });

  it('republishes every team and CSM at start, teams first, in one enqueue', async () => {
    const { service, writes } = harness({ teams: [emea], csms: [{ csmId: 'c1', team: 'emea', email: 'c1@acme.example', updatedAt: rowTime }] });
    await service.onApplicationBootstrap();
    expect(writes).toEqual([
      [
        'enqueue',
        true,
        [
          directoryMessage({ schemaVersion: 1, kind: 'team', id: 'emea', team: null, managers: ['m1'], deleted: false }),
          directoryMessage({ schemaVersion: 1, kind: 'csm', id: 'c1', team: 'emea', managers: [], email: 'c1@acme.example', deleted: false }),
        ],
      ],
    ]);
  });

  it('lists the directory and reads the audit through the repositories', async () => {
    const { service } = harness({ teams: [emea] });
    expect(await service.list()).toEqual({ teams: [emea], csms: [] });
    expect(await service.audit(10, 'csm:c1')).toHaveLength(1);
    expect(await service.audit(10, 'team:emea')).toEqual([]);
  });
});
