import type { DirectoryRecord } from '@bellwether/contracts';
import { DirectoryState } from './directory';
import { keyIdentityProblems, principalOf } from './principal';

const csm = (id: string, team: string | null, updatedAt: string, deleted = false): DirectoryRecord => ({ schemaVersion: 1, kind: 'csm', id, team, managers: [], deleted, updatedAt });
const team = (id: string, managers: string[], updatedAt: string, deleted = false): DirectoryRecord => ({ schemaVersion: 1, kind: 'team', id, team: null, managers, deleted, updatedAt });

describe('DirectoryState', () => {
  it('knows a team by the CSMs the directory puts in it', () => {
    const directory = new DirectoryState();
    directory.apply(csm('ana', 'emea', '2026-03-01T10:00:00.000Z'));
    directory.apply(csm('ben', 'emea', '2026-03-01T10:00:00.000Z'));
    directory.apply(csm('zoe', 'apac', '2026-03-01T10:00:00.000Z'));
    expect([...directory.csmsOfTeam('emea')].sort()).toEqual(['ana', 'ben']);
    expect(directory.teamOfCsm('zoe')).toBe('apac');
    expect(directory.teamOfCsm('nobody')).toBeNull();
  });

  it('moves a CSM between teams: the old team loses them', () => {
    const directory = new DirectoryState();
    directory.apply(csm('ana', 'emea', '2026-03-01T10:00:00.000Z'));
    directory.apply(csm('ana', 'apac', '2026-03-01T11:00:00.000Z'));
    expect(directory.csmsOfTeam('emea').has('ana')).toBe(false);
    expect(directory.csmsOfTeam('apac').has('ana')).toBe(true);
    expect(directory.teamOfCsm('ana')).toBe('apac');
  });

  it('forgets a deleted CSM, and ignores an older record arriving late', () => {
    const directory = new DirectoryState();
    directory.apply(csm('ana', 'emea', '2026-03-01T10:00:00.000Z'));
    directory.apply(csm('ana', 'emea', '2026-03-01T12:00:00.000Z', true));
    expect(directory.apply(csm('ana', 'emea', '2026-03-01T11:00:00.000Z'))).toBe(false);
    expect(directory.csmsOfTeam('emea').size).toBe(0);
    expect(directory.teamOfCsm('ana')).toBeNull();
    expect(directory.size).toBe(0);
  });

  it("knows a CSM's email address from their newest record; none before it was set, after it was cleared or the CSM deleted", () => {
    const directory = new DirectoryState();
    directory.apply(csm('ana', 'emea', '2026-03-01T10:00:00.000Z'));
    expect(directory.emailOfCsm('ana')).toBeNull();
    directory.apply({ ...csm('ana', 'emea', '2026-03-01T11:00:00.000Z'), email: 'ana@acme.example' });
    expect(directory.emailOfCsm('ana')).toBe('ana@acme.example');
    expect(directory.apply({ ...csm('ana', 'emea', '2026-03-01T10:30:00.000Z'), email: 'old@acme.example' })).toBe(false);
    expect(directory.emailOfCsm('ana')).toBe('ana@acme.example');
    expect(directory.emailOfCsm('nobody')).toBeNull();
    directory.apply({ ...csm('ana', 'emea', '2026-03-01T12:00:00.000Z'), email: null });
    expect(directory.emailOfCsm('ana')).toBeNull();
    directory.apply({ ...csm('ben', null, '2026-03-01T10:00:00.000Z'), email: 'ben@acme.example' });
    directory.apply(csm('ben', null, '2026-03-01T13:00:00.000Z', true));
    expect(directory.emailOfCsm('ben')).toBeNull();
  });

  it('keeps the managers of a team until the team is deleted', () => {
    const directory = new DirectoryState();
    directory.apply(team('emea', ['mia'], '2026-03-01T10:00:00.000Z'));
    expect(directory.managersOf('emea')).toEqual(['mia']);
    directory.apply(team('emea', ['mia'], '2026-03-01T11:00:00.000Z', true));
    expect(directory.managersOf('emea')).toEqual([]);
  });
});

describe('principalOf', () => {
  it('drops a csmId and team that the key’s scopes do not use (keys stored before they were refused)', () => {
    expect(principalOf({ id: 'k', scopes: ['ingest'], csmId: 'ana', team: 'emea' })).toEqual({ keyId: 'k', scopes: ['ingest'], csmId: null, team: null });
    expect(principalOf({ id: 'k', scopes: ['csm'], csmId: 'ana', team: 'emea' })).toMatchObject({ csmId: 'ana', team: null });
    expect(principalOf({ id: 'k', scopes: ['manager'], csmId: 'ana', team: 'emea' })).toMatchObject({ csmId: null, team: 'emea' });
  });
});

describe('keyIdentityProblems', () => {
  it.each([
    ['an ingest key with a csmId and team', { scopes: ['ingest'], csmId: 'ana', team: 'emea' }, ['csmId', 'team']],
    ['a csm key with a team', { scopes: ['csm'], csmId: 'ana', team: 'emea' }, ['team']],
    ['a csm key without a csmId', { scopes: ['csm'] }, ['csmId']],
    ['a manager key without a team', { scopes: ['manager'] }, ['team']],
    ['a manager key with a csmId', { scopes: ['manager'], team: 'emea', csmId: 'ana' }, ['csmId']],
    ['a csm key', { scopes: ['csm'], csmId: 'ana' }, []],
    ['a manager key', { scopes: ['manager'], team: 'emea' }, []],
    ['a CRM sync key', { scopes: ['ingest', 'accounts:write'] }, []],
  ] as const)('%s → problems with %j', (_, request, paths) => {
    expect(keyIdentityProblems(request).map((problem) => problem.path)).toEqual(paths);
  });
});
