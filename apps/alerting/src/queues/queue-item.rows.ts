import type { EntityManager } from 'typeorm';
import type { AlertCategory, AlertOutcome, AlertSeverity, AlertStatus } from '@bellwether/contracts';

/**
 * What alerts and incidents share as items of a CSM queue: the routing and lifecycle columns of
 * `alerting.alerts` and `alerting.incidents`, their mapping to the stored shape, the fields their
 * lifecycle events carry, and the queries both tables answer the same way. The repositories add
 * what is their own (an alert's rule and evidence, an incident's rules).
 */
export type QueueItemTable = 'alerts' | 'incidents';

/** The columns both tables have (timestamps as node-postgres returns them: `Date`). */
export interface QueueItemRow {
  id: string;
  account_id: string;
  category: AlertCategory;
  severity: AlertSeverity;
  status: AlertStatus;
  priority: number;
  queue: string;
  csm_id: string | null;
  escalated_to: string | null;
  opened_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  outcome: AlertOutcome | null;
  revision: number;
}

/** The stored fields both shapes share, as the repositories return them (instants as ISO-8601). */
export interface QueueItemFields {
  readonly accountId: string;
  readonly category: AlertCategory;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  readonly priority: number;
  readonly queue: string;
  readonly csmId: string | null;
  readonly escalatedTo: string | null;
  readonly openedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt?: string;
  readonly outcome?: AlertOutcome;
  readonly revision: number;
}

/** Maps the shared columns; `resolvedAt` and `outcome` are absent (not undefined-valued) when null. */
export function queueItemFromRow(row: QueueItemRow): QueueItemFields {
  return {
    accountId: row.account_id,
    category: row.category,
    severity: row.severity,
    status: row.status,
    priority: row.priority,
    queue: row.queue,
    csmId: row.csm_id,
    escalatedTo: row.escalated_to,
    openedAt: row.opened_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    ...(row.resolved_at ? { resolvedAt: row.resolved_at.toISOString() } : {}),
    ...(row.outcome ? { outcome: row.outcome } : {}),
    revision: row.revision,
  };
}

/** The routing and state fields of a lifecycle event (alert or incident), in the events' field order; empty optional ones are left out. */
export function queueItemEventFields(item: Pick<QueueItemFields, 'category' | 'severity' | 'priority' | 'queue' | 'status' | 'outcome'> & { readonly escalatedTo?: string | null; readonly csmId?: string | null }) {
  return {
    category: item.category,
    severity: item.severity,
    priority: item.priority,
    queue: item.queue,
    ...(item.escalatedTo ? { escalatedTo: item.escalatedTo } : {}),
    ...(item.csmId ? { csmId: item.csmId } : {}),
    status: item.status,
    ...(item.outcome ? { outcome: item.outcome } : {}),
  };
}

/** Filter of a queue listing; `rule` applies to alerts only. */
export interface QueueListFilter {
  readonly statuses: readonly string[];
  readonly category?: string;
  readonly rule?: string;
  readonly limit: number;
}

/** A queue, priority first: its own items and the escalations routed to it. */
export async function listQueueRows<Row extends QueueItemRow>(manager: EntityManager, table: QueueItemTable, queue: string, filter: QueueListFilter): Promise<Row[]> {
  const byRule = table === 'alerts' ? ' AND ($5::text IS NULL OR rule_id = $5)' : '';
  return (await manager.query(
    `SELECT * FROM alerting.${table}
     WHERE (queue = $1 OR escalated_to = $1) AND status = ANY($2::text[]) AND ($3::text IS NULL OR category = $3)${byRule}
     ORDER BY priority DESC, opened_at ASC LIMIT $4`,
    [queue, filter.statuses, filter.category ?? null, filter.limit, ...(table === 'alerts' ? [filter.rule ?? null] : [])],
  )) as Row[];
}

/** The account of an item (no lock), so a caller can take the account's lock before the row's. */
export async function accountOfItem(manager: EntityManager, table: QueueItemTable, id: string): Promise<string | null> {
  const [row] = (await manager.query(`SELECT account_id FROM alerting.${table} WHERE id = $1`, [id])) as { account_id: string }[];
  return row?.account_id ?? null;
}

/** The item's row, locked for the caller's transaction, or undefined. */
export async function itemRowForUpdate<Row extends QueueItemRow>(manager: EntityManager, table: QueueItemTable, id: string): Promise<Row | undefined> {
  const [row] = (await manager.query(`SELECT * FROM alerting.${table} WHERE id = $1 FOR UPDATE`, [id])) as Row[];
  return row;
}

/**
 * A number as a Postgres `real` (float4) column returns it: rounded to single precision and
 * printed in the shortest form that reads back to the same float4 (PostgreSQL 12+).
 */
export function asReal(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return single;
  for (let digits = 1; digits < 10; digits += 1) {
    const printed = Number(single.toPrecision(digits));
    if (Math.fround(printed) === single) return printed;
  }
  return single;
}
