import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertLifecycleKind, IncidentLifecycleEvent } from '@bellwether/contracts';
import type { HysteresisState, IncidentRule, IncidentState } from '@bellwether/alerting-domain';
import { accountOfItem, itemRowForUpdate, listQueueRows, queueItemEventFields, queueItemFromRow, type QueueItemRow, type QueueListFilter } from '../queues/queue-item.rows';

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

  /** Incidents (queue items) of the account opened at or after `since` (ISO-8601), for the contact budget. */
  async openedSince(manager: EntityManager, accountId: string, since: string): Promise<number> {
    const [row] = (await manager.query('SELECT count(*)::int AS opened FROM alerting.incidents WHERE account_id = $1 AND opened_at >= $2', [accountId, since])) as { opened: number }[];
    return row?.opened ?? 0;
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

  /** A queue, priority first: its own incidents and the escalations routed to it. */
  async listQueue(manager: EntityManager, queue: string, filter: Omit<QueueListFilter, 'rule'>): Promise<StoredIncident[]> {
    return (await listQueueRows<IncidentRow>(manager, 'incidents', queue, filter)).map(fromRow);
  }

  /** The hysteresis state of each rule of the account that has one. */
  async hysteresisOf(manager: EntityManager, accountId: string): Promise<Map<string, HysteresisState>> {
    const rows = (await manager.query('SELECT rule_id, firing_since, clear_since FROM alerting.rule_hysteresis WHERE account_id = $1', [accountId])) as {
      rule_id: string;
      firing_since: Date | null;
      clear_since: Date | null;
    }[];
    return new Map(
      rows.map((row) => [
        row.rule_id,
        { ...(row.firing_since ? { firingSince: row.firing_since.toISOString() } : {}), ...(row.clear_since ? { clearSince: row.clear_since.toISOString() } : {}) },
      ]),
    );
  }

  /** Stores (or with null deletes) the hysteresis state of (account, rule). */
  async saveHysteresis(manager: EntityManager, accountId: string, ruleId: string, state: HysteresisState | null): Promise<void> {
    if (state === null || (state.firingSince === undefined && state.clearSince === undefined)) {
      await manager.query('DELETE FROM alerting.rule_hysteresis WHERE account_id = $1 AND rule_id = $2', [accountId, ruleId]);
      return;
    }
    await manager.query(
      `INSERT INTO alerting.rule_hysteresis (account_id, rule_id, firing_since, clear_since) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, rule_id) DO UPDATE SET firing_since = EXCLUDED.firing_since, clear_since = EXCLUDED.clear_since`,
      [accountId, ruleId, state.firingSince ?? null, state.clearSince ?? null],
    );
  }

  /** A churned account forgets every pending hold and clearing. */
  async dropHysteresis(manager: EntityManager, accountId: string): Promise<void> {
    await manager.query('DELETE FROM alerting.rule_hysteresis WHERE account_id = $1', [accountId]);
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

function fromRow(row: IncidentRow): StoredIncident {
  return { incidentId: row.id, ...queueItemFromRow(row), ruleIds: row.rule_ids, rules: row.rules };
}
