import type { Principal } from './principal';
import { mayUseQueue } from './queue-access';

const key = (overrides: Partial<Principal>): Principal => ({ keyId: 'k', scopes: [], csmId: null, team: null, ...overrides });
const teams = (team: string) => new Set(team === 'emea' ? ['ana', 'ben'] : []);
const ana = key({ scopes: ['csm'], csmId: 'ana', team: 'emea' });
const emeaManager = key({ scopes: ['manager'], team: 'emea' });
const integrator = key({ scopes: ['integrator'] });

describe('mayUseQueue', () => {
  it.each([
    ['a CSM reads their queue', ana, 'csm:ana', 'read', true],
    ['a CSM works their queue', ana, 'csm:ana', 'act', true],
    ['a CSM reads another CSM’s queue', ana, 'csm:ben', 'read', false],
    ['a CSM works another CSM’s queue', ana, 'csm:ben', 'act', false],
    ['a CSM reads a team queue', ana, 'team:smb', 'read', false],
    ['a manager works a queue of their team', emeaManager, 'csm:ben', 'act', true],
    ['a manager reads a queue of another team', emeaManager, 'csm:zoe', 'read', false],
    ['a manager works the team queues of unowned accounts', emeaManager, 'team:enterprise', 'act', true],
    ['a manager reads their escalations', emeaManager, 'manager:emea', 'read', true],
    ['a manager reads another team’s escalations', emeaManager, 'manager:apac', 'read', false],
    ['an integrator reads any queue', integrator, 'csm:ben', 'read', true],
    ['an integrator acts on none', integrator, 'csm:ben', 'act', false],
    ['an ingest key reads none', key({ scopes: ['ingest'] }), 'csm:ana', 'read', false],
    ['an admin acts anywhere', key({ scopes: ['admin'] }), 'manager:apac', 'act', true],
  ] as const)('%s → %s', (_, principal, queue, right, allowed) => {
    expect(mayUseQueue(principal, queue, right, teams)).toBe(allowed);
  });
});
