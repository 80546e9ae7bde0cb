import type { Segment } from '@bellwether/contracts';
import { accountTierOf } from './arr-tier';

export interface RoutableAccount {
  readonly csmId?: string;
  readonly arrUsd?: number;
  readonly segment: Segment;
}

export interface Route {
  readonly queue: string;
}

/** The owner CSM's queue (`csm:<csmId>`), else the team queue of the ARR tier (`team:smb|mid-market|enterprise`). */
export function routeTo(account: RoutableAccount): Route {
  const csmId = account.csmId?.trim();
  if (csmId) return { queue: `csm:${csmId}` };
  return { queue: `team:${accountTierOf(account.arrUsd)}` };
}
