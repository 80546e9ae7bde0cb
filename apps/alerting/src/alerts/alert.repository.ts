import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, AlertLifecycleKind, IncidentLifecycleEvent, ScoreChanged } from '@bellwether/contracts';
import type { AlertState, ScorePoint } from '@bellwether/alerting-domain';
import { accountOfItem, itemRowForUpdate, listQueueRows, queueItemEventFields, queueItemFromRow, type QueueItemRow, type QueueListFilter } from '../queues/queue-item.rows';

/** An alert as stored: the domain state plus where it is routed. */
export interface StoredAlert extends AlertState {
  readonly priority: number;
  readonly queue: string;
  readonly csmId: string | null;
  /**
   * Deadline for acknowledgement on the pipeline clock (`slaDueAt` of the domain: the opening event
   * time plus the SLA); once the pipeline clock passes it, an open alert escalates.
   */
  readonly slaDueAt?: string | null;
  readonly escalatedTo?: string | null;
  readonly acknowledgedAt?: string | null;
  readonly note?: string | null;
  /** The incident of (account, category) the alert belongs to; null for alerts from before incidents. */
  readonly incidentId?: string | null;
}

interface AlertRow extends QueueItemRow {
  rule_id: string;
  count: number;
  snoozed_until: Date | null;
  evidence: string[];
  sla_due_at: Date | null;
  acknowledged_at: Date | null;
  note: string | null;
  incident_id: string | null;
}

const HISTORY_DAYS = 30;

/** SQL of the alerting schema; parameterized statements only. */
@Injectable()
export class AlertRepository {
  async claimChanges(manager: EntityManager, changeIds: readonly string[]): Promise<Set<string>> {
    if (changeIds.length === 0) return new Set();
    const rows = (await manager.query(
      `INSERT INTO alerting.processed_changes (change_id) SELECT unnest($1::text[])
       ON CONFLICT (change_id) DO NOTHING RETURNING change_id`,
      [changeIds],
    )) as { change_id: string }[];
    return new Set(rows.map((row) => row.change_id));
  }

  /** Serializes work on one account across consumers until the transaction ends. */
  async lockAccount(manager: EntityManager, accountId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`alerting:${accountId}`]);
  }

  async recentScores(manager: EntityManager, accountId: string, before: string): Promise<ScorePoint[]> {
    const rows = (await manager.query(
      `SELECT event_time, health FROM alerting.score_points
       WHERE account_id = $1 AND event_time >= $2::timestamptz - make_interval(days => $3) AND event_time <= $2::timestamptz
       ORDER BY event_time`,
      [accountId, before, HISTORY_DAYS],
    )) as { event_time: Date; health: number }[];
    return rows.map((row) => ({ eventTime: row.event_time.toISOString(), health: row.health }));
  }

  async recordScore(manager: EntityManager, change: ScoreChanged): Promise<void> {
    // A score on insufficient data is no opinion: it is not a height health could fall from.
    if (change.after.insufficientData) return;
    await manager.query(
      `INSERT INTO alerting.score_points (account_id, event_time, health) VALUES ($1, $2, $3)
       ON CONFLICT (account_id, event_time) DO UPDATE SET health = EXCLUDED.health`,
      [change.accountId, change.eventTime, change.after.health],
    );
    await manager.query(`DELETE FROM alerting.score_points WHERE account_id = $1 AND event_time < $2::timestamptz - make_interval(days => $3)`, [
      change.accountId,
      change.eventTime,
      HISTORY_DAYS,
    ]);
  }

  /** The account's active alerts, and for each rule its latest resolved one (for cool-downs). */
  async alertsOf(manager: EntityManager, accountId: string): Promise<{ active: StoredAlert[]; lastResolved: Map<string, StoredAlert> }> {
    const rows = (await manager.query(
      `(SELECT * FROM alerting.alerts WHERE account_id = $1 AND status <> 'resolved')
       UNION ALL
       (SELECT DISTINCT ON (rule_id) * FROM alerting.alerts WHERE account_id = $1 AND status = 'resolved' ORDER BY rule_id, resolved_at DESC)`,
      [accountId],
    )) as AlertRow[];
    const alerts = rows.map(fromRow);
    return {
      active: alerts.filter((alert) => alert.status !== 'resolved'),
      lastResolved: new Map(alerts.filter((alert) => alert.status === 'resolved').map((alert) => [alert.ruleId, alert])),
    };
  }

  /**
   * `alert.slaDueAt`: when the alert escalates unless acknowledged, on the pipeline clock (null:
   * never). Computed by the caller from event time, never from the database's `now()`, so a replay
   * escalates at the same event time as the live run did.
   */
  async insert(manager: EntityManager, alert: StoredAlert): Promise<void> {
    await manager.query(
      `INSERT INTO alerting.alerts (id, account_id, rule_id, category, severity, status, priority, queue, csm_id, count,
         opened_at, last_seen_at, resolved_at, snoozed_until, outcome, evidence, revision, sla_due_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
      [...toParams(alert), alert.slaDueAt ?? null],
    );
  }

  /** The account of an alert (no lock), so a caller can take the account's lock before the row's. */
  async accountOfAlert(manager: EntityManager, alertId: string): Promise<string | null> {
    return accountOfItem(manager, 'alerts', alertId);
  }

  /** The alert, its row locked for the caller's transaction, or null. */
  async findForUpdate(manager: EntityManager, alertId: string): Promise<StoredAlert | null> {
    const row = await itemRowForUpdate<AlertRow>(manager, 'alerts', alertId);
    return row ? fromRow(row) : null;
  }

  /**
   * A human action: the transition's state plus who acted, when (wall clock: `acknowledged_at` is
   * when a person acted, for the time-to-acknowledge metric), and an optional note.
   */
  async recordAction(manager: EntityManager, alert: StoredAlert, action: { actedBy: string; note?: string; acknowledged?: boolean }): Promise<void> {
    await this.update(manager, alert);
    await manager.query(
      `UPDATE alerting.alerts SET acted_by = $2, note = COALESCE($3, note),
         acknowledged_at = CASE WHEN $4 THEN COALESCE(acknowledged_at, now()) ELSE acknowledged_at END
       WHERE id = $1`,
      [alert.alertId, action.actedBy, action.note ?? null, action.acknowledged ?? false],
    );
  }

  /** Seconds from creation to now (wall clock), for the time-to-acknowledge metric. */
  async secondsSinceCreated(manager: EntityManager, alertId: string): Promise<number> {
    const [row] = (await manager.query('SELECT extract(epoch FROM now() - created_at)::float8 AS seconds FROM alerting.alerts WHERE id = $1', [alertId])) as { seconds: number }[];
    return row?.seconds ?? 0;
  }

  /** A queue, priority first: its own alerts and the escalations routed to it. */
  async listQueue(manager: EntityManager, queue: string, filter: QueueListFilter): Promise<StoredAlert[]> {
    return (await listQueueRows<AlertRow>(manager, 'alerts', queue, filter)).map(fromRow);
  }

  /**
   * Open alerts whose SLA is due at `now` (the pipeline clock, ISO-8601), locked so that replicas
   * escalate each one once.
   */
  async dueForEscalation(manager: EntityManager, now: string, limit: number): Promise<StoredAlert[]> {
    const rows = (await manager.query(
      `SELECT * FROM alerting.alerts WHERE status = 'open' AND escalated_at IS NULL AND sla_due_at <= $1::timestamptz
       ORDER BY sla_due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    )) as AlertRow[];
    return rows.map(fromRow);
  }

  /** `at`: the pipeline time of the escalation (the one its lifecycle event carries). */
  async markEscalated(manager: EntityManager, alert: StoredAlert, to: string, at: string): Promise<void> {
    await manager.query('UPDATE alerting.alerts SET escalated_at = $4, escalated_to = $2, revision = $3, updated_at = now() WHERE id = $1', [
      alert.alertId,
      to,
      alert.revision,
      at,
    ]);
  }

  /** Snoozed alerts whose snooze has run out at `now` (the pipeline clock, ISO-8601), to put back to open. */
  async dueToWake(manager: EntityManager, now: string, limit: number): Promise<StoredAlert[]> {
    const rows = (await manager.query(
      `SELECT * FROM alerting.alerts WHERE status = 'snoozed' AND snoozed_until <= $1::timestamptz ORDER BY snoozed_until LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    )) as AlertRow[];
    return rows.map(fromRow);
  }

  async enqueueWebhooks(manager: EntityManager, events: readonly (AlertLifecycleEvent | IncidentLifecycleEvent)[]): Promise<void> {
    if (events.length === 0) return;
    await manager.query(
      `INSERT INTO alerting.webhook_deliveries (event_id, payload) SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT DO NOTHING`,
      [events.map((event) => event.eventId), events.map((event) => JSON.stringify(event))],
    );
  }

  /** The account's active alerts of one category plus every alert of `incidentId` (its group's members). */
  async groupMembers(manager: EntityManager, accountId: string, category: string, incidentId: string | null): Promise<StoredAlert[]> {
    const rows = (await manager.query(
      `SELECT * FROM alerting.alerts WHERE account_id = $1 AND category = $2 AND (status <> 'resolved' OR incident_id = $3) ORDER BY opened_at, id`,
      [accountId, category, incidentId],
    )) as AlertRow[];
    return rows.map(fromRow);
  }

  /** The active alerts of an incident, locked for a person's action on the incident. */
  async activeOfIncidentForUpdate(manager: EntityManager, incidentId: string): Promise<StoredAlert[]> {
    const rows = (await manager.query(`SELECT * FROM alerting.alerts WHERE incident_id = $1 AND status <> 'resolved' ORDER BY opened_at, id FOR UPDATE`, [incidentId])) as AlertRow[];
    return rows.map(fromRow);
  }

  /** Resolved alerts of an incident that have no outcome yet (a person's outcome on the incident fills them). */
  async unsettledOfIncidentForUpdate(manager: EntityManager, incidentId: string): Promise<StoredAlert[]> {
    const rows = (await manager.query(`SELECT * FROM alerting.alerts WHERE incident_id = $1 AND status = 'resolved' AND outcome IS NULL ORDER BY opened_at, id FOR UPDATE`, [incidentId])) as AlertRow[];
    return rows.map(fromRow);
  }

  async linkToIncident(manager: EntityManager, incidentId: string, alertIds: readonly string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await manager.query(`UPDATE alerting.alerts SET incident_id = $1 WHERE id = ANY($2::text[]) AND incident_id IS DISTINCT FROM $1`, [incidentId, alertIds]);
  }

  async update(manager: EntityManager, alert: StoredAlert): Promise<void> {
    await manager.query(
      `UPDATE alerting.alerts SET severity = $5, status = $6, priority = $7, queue = $8, csm_id = $9, count = $10,
         last_seen_at = $12, resolved_at = $13, snoozed_until = $14, outcome = $15, evidence = $16, revision = $17, updated_at = now()
       WHERE id = $1 AND account_id = $2 AND rule_id = $3 AND category = $4 AND opened_at = $11`,
      toParams(alert),
    );
  }
}

/**
 * The stored alert after a domain transition: the alert state is the transition's whole (a field
 * it dropped, such as a woken or acknowledged alert's `snoozedUntil`, is dropped here too), the
 * routing and work fields stay the stored ones.
 */
export function withState(stored: StoredAlert, next: AlertState): StoredAlert {
  const { priority, queue, csmId, slaDueAt, escalatedTo, acknowledgedAt, note, incidentId } = stored;
  return { ...next, priority, queue, csmId, slaDueAt, escalatedTo, acknowledgedAt, note, incidentId };
}

export function lifecycleEvent(kind: AlertLifecycleKind, alert: StoredAlert, occurredAt: string): AlertLifecycleEvent {
  return {
    schemaVersion: 1,
    eventId: `${alert.alertId}:${alert.revision}`,
    kind,
    alertId: alert.alertId,
    revision: alert.revision,
    accountId: alert.accountId,
    rule: alert.ruleId,
    ...queueItemEventFields(alert),
    evidence: alert.evidence,
    occurredAt,
    ...(alert.incidentId ? { incidentId: alert.incidentId } : {}),
  };
}

function fromRow(row: AlertRow): StoredAlert {
  return {
    alertId: row.id,
    ruleId: row.rule_id,
    ...queueItemFromRow(row),
    count: row.count,
    ...(row.snoozed_until ? { snoozedUntil: row.snoozed_until.toISOString() } : {}),
    evidence: row.evidence,
    slaDueAt: row.sla_due_at?.toISOString() ?? null,
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
    note: row.note,
    incidentId: row.incident_id,
  };
}

function toParams(alert: StoredAlert): unknown[] {
  return [
    alert.alertId,
    alert.accountId,
    alert.ruleId,
    alert.category,
    alert.severity,
    alert.status,
    alert.priority,
    alert.queue,
    alert.csmId,
    alert.count,
    alert.openedAt,
    alert.lastSeenAt,
    alert.resolvedAt ?? null,
    alert.snoozedUntil ?? null,
    alert.outcome ?? null,
    JSON.stringify(alert.evidence),
    alert.revision,
  ];
}
