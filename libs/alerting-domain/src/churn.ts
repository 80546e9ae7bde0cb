import type { ScoreChanged } from '@bellwether/contracts';
import { isActive, resolve, type AlertState } from './alert-lifecycle';

/**
 * Whether a score change says the account is churned (`account.churnedAt` is present while it
 * lasts; a reactivated account's changes lack it). While churned, no rule is evaluated, no alert
 * or incident opens, and hysteresis state is dropped.
 */
export function isChurned(change: Pick<ScoreChanged, 'account'>): boolean {
  return typeof change.account.churnedAt === 'string' && change.account.churnedAt !== '';
}

/**
 * The account's active alerts resolved with outcome `churned` at `now` (event time), in the
 * given order; alerts that are already resolved are left out. `resolve` never fails on an
 * active alert with a valid outcome and instant; an invalid `now` throws (a caller bug).
 */
export function resolveForChurn<A extends AlertState>(alerts: readonly A[], now: string): AlertState[] {
  const resolved: AlertState[] = [];
  for (const alert of alerts) {
    if (!isActive(alert)) continue;
    const result = resolve(alert, 'churned', now);
    if (!result.ok) throw new Error(`resolveForChurn: ${result.error}`);
    resolved.push(result.alert);
  }
  return resolved;
}
