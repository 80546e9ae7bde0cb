import type { Principal } from '@bellwether/auth';
import { mayReadAccount } from './account-access';

const principal = (overrides: Partial<Principal>): Principal => ({ keyId: 'k', scopes: [], csmId: null, team: null, ...overrides });
const teams = (team: string) => new Set(team === 'emea' ? ['ana', 'ben'] : []);

describe('mayReadAccount', () => {
  it.each([
    ['an integrator, any account', principal({ scopes: ['integrator'] }), 'zoe', true],
    ['an admin, any account', principal({ scopes: ['admin'] }), undefined, true],
    ['a csm, their own account', principal({ scopes: ['csm'], csmId: 'ana' }), 'ana', true],
    ['a csm, another csm’s account', principal({ scopes: ['csm'], csmId: 'ana' }), 'ben', false],
    ['a csm, an unowned account', principal({ scopes: ['csm'], csmId: 'ana' }), undefined, false],
    ['a manager, an account of their team', principal({ scopes: ['manager'], team: 'emea' }), 'ben', true],
    ['a manager, an account of another team', principal({ scopes: ['manager'], team: 'emea' }), 'zoe', false],
    ['an ingest key', principal({ scopes: ['ingest'] }), 'ana', false],
  ])('%s → %s', (_, who, owner, allowed) => {
    expect(mayReadAccount(who, owner, teams)).toBe(allowed);
  });
});
