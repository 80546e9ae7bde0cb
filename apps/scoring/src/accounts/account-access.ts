import { hasScope, type Principal } from '@bellwether/auth';

/**
 * Who may read an account: integrators and admins any; a CSM only the accounts they own; a
 * manager those owned by a CSM of their team. Anything else is answered as if the account did
 * not exist, so a key learns nothing about accounts outside its book.
 */
export function mayReadAccount(principal: Principal, ownerCsmId: string | undefined, csmsOfTeam: (team: string) => ReadonlySet<string>): boolean {
  if (hasScope(principal, 'integrator')) return true;
  if (principal.scopes.includes('csm') && principal.csmId && ownerCsmId === principal.csmId) return true;
  if (principal.scopes.includes('manager') && principal.team && ownerCsmId !== undefined && csmsOfTeam(principal.team).has(ownerCsmId)) return true;
  return false;
}
