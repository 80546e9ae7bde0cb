import { hasScope, type Principal } from './principal';

/**
 * Who may see and work which queue:
 * - `csm:<id>`: that CSM; a manager whose team has that CSM (per the directory, `csmsOfTeam`);
 * - `team:<tier>` (unowned accounts): managers;
 * - `manager:<team>` (escalations): that team's manager;
 * - integrators read every queue and act on none; admins do everything.
 * A queue a key may not see is answered 404, as if it did not exist.
 */
export type QueueRight = 'read' | 'act';

export function mayUseQueue(principal: Principal, queue: string, right: QueueRight, csmsOfTeam: (team: string) => ReadonlySet<string>): boolean {
  if (principal.scopes.includes('admin')) return true;
  if (right === 'read' && hasScope(principal, 'integrator')) return true;
  const [kind, name] = splitQueue(queue);
  if (kind === 'csm' && principal.scopes.includes('csm') && principal.csmId === name) return true;
  if (principal.scopes.includes('manager') && principal.team) {
    if (kind === 'csm' && csmsOfTeam(principal.team).has(name)) return true;
    if (kind === 'team') return true;
    if (kind === 'manager' && name === principal.team) return true;
  }
  return false;
}

function splitQueue(queue: string): [string, string] {
  const separator = queue.indexOf(':');
  return separator < 0 ? ['', queue] : [queue.slice(0, separator), queue.slice(separator + 1)];
}
