import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertLifecycleKind, IncidentLifecycleEvent } from '@bellwether/contracts';
import type { HysteresisState, IncidentRule, IncidentState } from '@bellwether/alerting-domain';
import { accountOfItem, asReal, itemRowForUpdate, listQueueRows, queueItemEventFields, queueItemFromRow, type QueueItemRow, type QueueListFilter } from '../queues/queue-item.rows';

/** An incident as stored: the domain state plus where it is routed. */
export interface StoredIncident extends IncidentState {
  /** The highest priority among its active alerts (`priorityOf(severity, account ARR)`). */
  readonly priority: number;
  readonly queue: string;
  readonly csmId: string | null;
  /** Set once one of its alerts escalated: the manager queue it now also sits in. */
  readonly escalatedTo: string | null;
}

interface IncidentRow extends QueueItemRow {
  rule_ids: string[];
  rules: IncidentRule[];
}

/** SQL of `alerting.incidents` and `alerting.rule_hysteresis`; parameterized statements only. */
@Injectable()
export class IncidentRepository {
  /** The active incident of (account, category), locked, or null. */
  async activeOf(manager: EntityManager, accountId: string, category: string): Promise<StoredIncident | null> {
    const [row] = (await manager.query(`SELECT * FROM alerting.incidents WHERE account_id = $1 AND category = $2 AND status <> 'resolved' FOR UPDATE`, [accountId, category])) as IncidentRow[];
    return row ? fromRow(row) : null;
  }

  /** The account of an incident (no lock), so a caller can take the account's lock before the row's. */
  async accountOf(manager: EntityManager, incidentId: string): Promise<string | null> {
    return accountOfItem(manager, 'incidents', incidentId);
  }

  /** The incident, its row locked for the caller's transaction, or null. */
  async findForUpdate(manager: EntityManager, incidentId: string): Promise<StoredIncident | null> {
    const row = await itemRowForUpdate<IncidentRow>(manager, 'incidents', incidentId);
    return row ? fromRow(row) : null;
  }

  /** Inserts or replaces the incident's state (one statement for open, update and resolve). */
  async save(manager: EntityManager, incident: StoredIncident): Promise<void> {
    await manager.query(
      `INSERT INTO alerting.incidents (id, account_id, category, severity, status, priority, queue, csm_id, escalated_to,
         opened_at, last_seen_at, resolved_at, outcome, rule_ids, rules, revision)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
       ON CONFLICT (id) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status, priority = EXCLUDED.priority, queue = EXCLUDED.queue, csm_id = EXCLUDED.csm_id,
         escalated_to = EXCLUDED.escalated_to, last_seen_at = EXCLUDED.last_seen_at, resolved_at = EXCLUDED.resolved_at,
         outcome = EXCLUDED.outcome, rule_ids = EXCLUDED.rule_ids, rules = EXCLUDED.rules, revision = EXCLUDED.revision, updated_at = now()`,
      [
        incident.incidentId,
        incident.accountId,
        incident.category,
        incident.severity,
        incident.status,
        incident.priority,
        incident.queue,
        incident.csmId,
        incident.escalatedTo,
        incident.openedAt,
        incident.lastSeenAt,
        incident.resolvedAt ?? null,
        incident.outcome ?? null,
        incident.ruleIds,
        JSON.stringify(incident.rules),
        incident.revision,
      ],
    );
  }

  /**
   * The incidents a batch of the accounts' changes reads (one statement), rows locked: every
   * active one, and every one opened at or after its account's `since` (ISO-8601; for the
   * contact budget).
   */
  async ofAccounts(manager: EntityManager, windows: readonly { readonly accountId: string; readonly since: string }[]): Promise<StoredIncident[]> {
    if (windows.length === 0) return [];
    const rows = (await manager.query(
      `SELECT i.* FROM alerting.incidents i JOIN unnest($1::text[], $2::timestamptz[]) AS w(account_id, since) ON i.account_id = w.account_id
       WHERE i.status <> 'resolved' OR i.opened_at >= w.since
       ORDER BY i.account_id, i.opened_at, i.id
       FOR UPDATE OF i`,
      [windows.map((window) => window.accountId), windows.map((window) => window.since)],
    )) as IncidentRow[];
    return rows.map(fromRow);
  }

  /**
   * Writes a batch's incidents as `save` does each (insert or replace): `existing` ones (read by
   * `ofAccounts`) in one statement first, then the others, so an incident resolved and its
   * group's next one opened never meet as two active incidents of one group.
   */
  async saveMany(manager: EntityManager, existing: readonly StoredIncident[], others: readonly StoredIncident[]): Promise<void> {
    for (const incidents of [existing, others]) {
      if (incidents.length === 0) continue;
      await manager.query(
        `INSERT INTO alerting.incidents (id, account_id, category, severity, status, priority, queue, csm_id, escalated_to,
           opened_at, last_seen_at, resolved_at, outcome, rule_ids, rules, revision)
         SELECT id, account_id, category, severity, status, priority, queue, csm_id, escalated_to, opened_at, last_seen_at, resolved_at, outcome,
           ARRAY(SELECT jsonb_array_elements_text(rule_ids)), rules, revision
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, account_id text, category text, severity text, status text, priority real, queue text,
           csm_id text, escalated_to text, opened_at timestamptz, last_seen_at timestamptz, resolved_at timestamptz, outcome text, rule_ids jsonb, rules jsonb,
           revision int)
         ON CONFLICT (id) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status, priority = EXCLUDED.priority, queue = EXCLUDED.queue, csm_id = EXCLUDED.csm_id,
           escalated_to = EXCLUDED.escalated_to, last_seen_at = EXCLUDED.last_seen_at, resolved_at = EXCLUDED.resolved_at,
           outcome = EXCLUDED.outcome, rule_ids = EXCLUDED.rule_ids, rules = EXCLUDED.rules, revision = EXCLUDED.revision, updated_at = now()`,
        [
          JSON.stringify(
            incidents.map((incident) => ({
              id: incident.incidentId,
              account_id: incident.accountId,
              category: incident.category,
              severity: incident.severity,
              status: incident.status,
              priority: incident.priority,
              queue: incident.queue,
              csm_id: incident.csmId,
              escalated_to: incident.escalatedTo,
              opened_at: incident.openedAt,
              last_seen_at: incident.lastSeenAt,
              resolved_at: incident.resolvedAt ?? null,
              outcome: incident.outcome ?? null,
              rule_ids: incident.ruleIds,
              rules: incident.rules,
              revision: incident.revision,
            })),
          ),
        ],
      );
    }
  }

  /** The hysteresis state of the accounts' rules (one statement): account id → rule id → state. */
  async hysteresisOfAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, Map<string, HysteresisState>>> {
    const byAccount = new Map<string, Map<string, HysteresisState>>();
    if (accountIds.length === 0) return byAccount;
    const rows = (await manager.query('SELECT account_id, rule_id, firing_since, clear_since FROM alerting.rule_hysteresis WHERE account_id = ANY($1::text[])', [accountIds])) as {
      account_id: string;
      rule_id: string;
      firing_since: Date | null;
      clear_since: Date | null;
    }[];
    for (const row of rows) {
      const rules = byAccount.get(row.account_id) ?? new Map<string, HysteresisState>();
      rules.set(row.rule_id, hysteresisFromRow(row));
      byAccount.set(row.account_id, rules);
    }
    return byAccount;
  }

  /**
   * Applies a batch's hysteresis writes: a null or empty state deletes the row of (account, rule)
   * (one statement), any other is stored (one statement).
   */
  async writeHysteresis(manager: EntityManager, writes: readonly { readonly accountId: string; readonly ruleId: string; readonly state: HysteresisState | null }[]): Promise<void> {
    const kept = writes.filter((write) => !isEmptyHold(write.state));
    const dropped = writes.filter((write) => isEmptyHold(write.state));
    if (dropped.length > 0) {
      await manager.query('DELETE FROM alerting.rule_hysteresis h USING unnest($1::text[], $2::text[]) AS d(account_id, rule_id) WHERE h.account_id = d.account_id AND h.rule_id = d.rule_id', [
        dropped.map((write) => write.accountId),
        dropped.map((write) => write.ruleId),
      ]);
    }
    if (kept.length > 0) {
      await manager.query(
        `INSERT INTO alerting.rule_hysteresis (account_id, rule_id, firing_since, clear_since)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])
         ON CONFLICT (account_id, rule_id) DO UPDATE SET firing_since = EXCLUDED.firing_since, clear_since = EXCLUDED.clear_since`,
        [kept.map((write) => write.accountId), kept.map((write) => write.ruleId), kept.map((write) => write.state?.firingSince ?? null), kept.map((write) => write.state?.clearSince ?? null)],
      );
    }
  }

  /** A queue, priority first: its own incidents and the escalations routed to it. */
  async listQueue(manager: EntityManager, queue: string, filter: Omit<QueueListFilter, 'rule'>): Promise<StoredIncident[]> {
    return (await listQueueRows<IncidentRow>(manager, 'incidents', queue, filter)).map(fromRow);
  }

}

export function incidentEvent(kind: AlertLifecycleKind, incident: StoredIncident, occurredAt: string): IncidentLifecycleEvent {
  return {
    schemaVersion: 1,
    eventId: `${incident.incidentId}:${incident.revision}`,
    kind,
    incidentId: incident.incidentId,
    revision: incident.revision,
    accountId: incident.accountId,
    ...queueItemEventFields(incident),
    openedAt: incident.openedAt,
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    ruleIds: incident.ruleIds,
    rules: incident.rules,
    occurredAt,
  };
}

/** A null state, or one with neither time: stored as no row. */
export function isEmptyHold(state: HysteresisState | null): boolean {
  return state === null || (state.firingSince === undefined && state.clearSince === undefined);
}

/** The hysteresis state as a read returns it after `writeHysteresis` (instants normalized), or null for no row. */
export function asStoredHold(state: HysteresisState | null): HysteresisState | null {
  if (isEmptyHold(state)) return null;
  return hysteresisFromRow({ firing_since: state?.firingSince ? new Date(state.firingSince) : null, clear_since: state?.clearSince ? new Date(state.clearSince) : null });
}

/**
 * The incident as `activeOf` would read it back after `save`: instants normalized, `priority` as
 * a \`real\` column returns it, the rules through jsonb (object keys in jsonb's order).
 */
export function asStoredIncident(incident: StoredIncident): StoredIncident {
  return fromRow({
    id: incident.incidentId,
    account_id: incident.accountId,
    category: incident.category,
    severity: incident.severity,
    status: incident.status,
    priority: asReal(incident.priority),
    queue: incident.queue,
    csm_id: incident.csmId ?? null,
    escalated_to: incident.escalatedTo ?? null,
    opened_at: new Date(incident.openedAt),
    last_seen_at: new Date(incident.lastSeenAt),
    resolved_at: incident.resolvedAt ? new Date(incident.resolvedAt) : null,
    outcome: incident.outcome ?? null,
    revision: incident.revision,
    rule_ids: [...incident.ruleIds],
    rules: asJsonb(incident.rules) as IncidentRule[],
  });
}

/** A JSON value as jsonb returns it: object keys shortest first, then in byte order; no undefined members. */
function asJsonb(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asJsonb);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    entries.sort(([a], [b]) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return Object.fromEntries(entries.map(([key, member]) => [key, asJsonb(member)]));
  }
  return value;
}

function hysteresisFromRow(row: { firing_since: Date | null; clear_since: Date | null }): HysteresisState {
  return { ...(row.firing_since ? { firingSince: row.firing_since.toISOString() } : {}), ...(row.clear_since ? { clearSince: row.clear_since.toISOString() } : {}) };
}

function fromRow(row: IncidentRow): StoredIncident {
  return { incidentId: row.id, ...queueItemFromRow(row), ruleIds: row.rule_ids, rules: row.rules };
}
