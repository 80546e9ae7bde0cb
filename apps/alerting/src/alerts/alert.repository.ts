import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, AlertLifecycleKind, IncidentLifecycleEvent } from '@bellwether/contracts';
import type { AlertState, ScorePoint } from '@bellwether/alerting-domain';
import { lockAccount, lockAccounts } from '@bellwether/platform';
import { accountOfItem, asReal, itemRowForUpdate, listQueueRows, queueItemEventFields, queueItemFromRow, type QueueItemRow, type QueueListFilter } from '../queues/queue-item.rows';

/** The namespace of alerting's account locks (`lockAccounts`). */
const ALERTING_ACCOUNT_LOCKS = 'alerting';

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
  /**
   * Version of the rule set under which a score change last opened, updated or resolved the
   * alert (`RuleSet.version`); a person's action or a timer keeps it. Null for alerts stored
   * before versions were recorded.
   */
  readonly ruleSetVersion?: string | null;
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
  rule_set_version: string | null;
}

/** Days of score points kept per account and read as a change's history. */
export const HISTORY_DAYS = 30;

/** The score points a batch reads of one account: those in [since, until] (ISO-8601). */
export interface ScorePointWindow {
  readonly accountId: string;
  readonly since: string;
  readonly until: string;
}

/** A stored score point of an account (`eventTime` ISO-8601 as stored, health 0–100). */
export interface AccountScorePoint extends ScorePoint {
  readonly accountId: string;
}

/**
 * What a batch changes in `alerting.score_points`: points to insert or overwrite, points to
 * delete, and per account a bound below which every point is deleted (ISO-8601).
 */
export interface ScorePointWrites {
  readonly upserts: readonly AccountScorePoint[];
  readonly deletes: readonly Pick<AccountScorePoint, 'accountId' | 'eventTime'>[];
  readonly deleteBefore: readonly { readonly accountId: string; readonly before: string }[];
}

/** An alert of a batch's write: `touched` when its state changed (bumps `updated_at`), else only its incident link did. */
export interface AlertWrite {
  readonly alert: StoredAlert;
  readonly touched: boolean;
}

/** SQL of the alerting schema; parameterized statements only. */
@Injectable()
export class AlertRepository {
  /**
   * Records change ids; returns the ones never processed before. In the same statement, moves the
   * `watermark`'s partition of the scores topic forward to its event time (forward only; none
   * when absent): what a rule set activated later must apply after (`changeWatermarks`).
   */
  async claimChanges(manager: EntityManager, changeIds: readonly string[], watermark?: { readonly partition: number; readonly eventTime: string }): Promise<Set<string>> {
    if (changeIds.length === 0) return new Set();
    const rows = (await manager.query(
      `WITH watermark AS (
         INSERT INTO alerting.change_watermarks (partition, watermark)
         SELECT $2::int, $3::timestamptz WHERE $3::timestamptz IS NOT NULL
         ON CONFLICT (partition) DO UPDATE SET watermark = GREATEST(alerting.change_watermarks.watermark, EXCLUDED.watermark)
         RETURNING 1
       )
       INSERT INTO alerting.processed_changes (change_id) SELECT unnest($1::text[])
       ON CONFLICT (change_id) DO NOTHING RETURNING change_id`,
      [changeIds, watermark?.partition ?? null, watermark?.eventTime ?? null],
    )) as { change_id: string }[];
    return new Set(rows.map((row) => row.change_id));
  }

  /**
   * The newest score change event time processed on each partition of the scores topic
   * (ISO-8601), for `activationPoint`. Takes the table in SHARE mode until the caller's transaction
   * ends: waits for batches that have claimed (moved their row) to commit, and holds new claims
   * back meanwhile, so no batch decided with the old rule set lands after the point read.
   */
  async changeWatermarks(manager: EntityManager): Promise<string[]> {
    await manager.query('LOCK TABLE alerting.change_watermarks IN SHARE MODE');
    const rows = (await manager.query('SELECT watermark FROM alerting.change_watermarks')) as { watermark: Date }[];
    return rows.map((row) => row.watermark.toISOString());
  }

  /** Serializes work on one account across consumers until the transaction ends (the key `lockAccounts` takes for it). */
  async lockAccount(manager: EntityManager, accountId: string): Promise<void> {
    await lockAccount(manager, ALERTING_ACCOUNT_LOCKS, accountId);
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

  /**
   * Serializes work on the accounts across consumers until the transaction ends: one statement
   * taking the accounts' striped advisory locks (the keys `lockAccount` takes, at most
   * `ACCOUNT_LOCK_STRIPES`) in ascending order, so two batches sharing accounts never deadlock.
   */
  async lockAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<void> {
    await lockAccounts(manager, ALERTING_ACCOUNT_LOCKS, accountIds);
  }

  /** The score points of each window (one statement), oldest first per account. */
  async scorePointsIn(manager: EntityManager, windows: readonly ScorePointWindow[]): Promise<AccountScorePoint[]> {
    if (windows.length === 0) return [];
    const rows = (await manager.query(
      `SELECT p.account_id, p.event_time, p.health FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS w(account_id, since, until)
       JOIN alerting.score_points p ON p.account_id = w.account_id AND p.event_time >= w.since AND p.event_time <= w.until
       ORDER BY p.account_id, p.event_time`,
      [windows.map((window) => window.accountId), windows.map((window) => window.since), windows.map((window) => window.until)],
    )) as { account_id: string; event_time: Date; health: number }[];
    return rows.map((row) => ({ accountId: row.account_id, eventTime: row.event_time.toISOString(), health: row.health }));
  }

  /**
   * Applies a batch's score point writes: one statement for the points deleted one by one, one for
   * the points below each account's bound (each a join on the primary key, never a scan), one for
   * the upserts.
   */
  async writeScorePoints(manager: EntityManager, writes: ScorePointWrites): Promise<void> {
    if (writes.deletes.length > 0) {
      await manager.query(
        `DELETE FROM alerting.score_points p USING unnest($1::text[], $2::timestamptz[]) AS d(account_id, event_time)
         WHERE p.account_id = d.account_id AND p.event_time = d.event_time`,
        [writes.deletes.map((point) => point.accountId), writes.deletes.map((point) => point.eventTime)],
      );
    }
    if (writes.deleteBefore.length > 0) {
      await manager.query(
        `DELETE FROM alerting.score_points p USING unnest($1::text[], $2::timestamptz[]) AS b(account_id, before)
         WHERE p.account_id = b.account_id AND p.event_time < b.before`,
        [writes.deleteBefore.map((bound) => bound.accountId), writes.deleteBefore.map((bound) => bound.before)],
      );
    }
    if (writes.upserts.length > 0) {
      await manager.query(
        `INSERT INTO alerting.score_points (account_id, event_time, health)
         SELECT account_id, event_time, health FROM jsonb_to_recordset($1::jsonb) AS r(account_id text, event_time timestamptz, health smallint)
         ON CONFLICT (account_id, event_time) DO UPDATE SET health = EXCLUDED.health`,
        [JSON.stringify(writes.upserts.map((point) => ({ account_id: point.accountId, event_time: point.eventTime, health: point.health })))],
      );
    }
  }

  /**
   * The alerts a batch of the accounts' changes reads (one statement), their rows locked: every
   * active alert, every alert of an active incident, and of each (account, rule) the latest
   * resolved one (for cool-downs).
   */
  async alertsOfAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<StoredAlert[]> {
    if (accountIds.length === 0) return [];
    const rows = (await manager.query(
      `SELECT a.* FROM alerting.alerts a
       WHERE a.account_id = ANY($1::text[])
         AND (a.status <> 'resolved'
           OR a.incident_id IN (SELECT i.id FROM alerting.incidents i WHERE i.account_id = ANY($1::text[]) AND i.status <> 'resolved')
           OR a.id IN (SELECT DISTINCT ON (r.account_id, r.rule_id) r.id FROM alerting.alerts r
                       WHERE r.account_id = ANY($1::text[]) AND r.status = 'resolved' ORDER BY r.account_id, r.rule_id, r.resolved_at DESC))
       ORDER BY a.account_id, a.opened_at, a.id
       FOR UPDATE OF a`,
      [accountIds],
    )) as AlertRow[];
    return rows.map(fromRow);
  }

  /**
   * Writes a batch's alerts (one statement each for the updates and the inserts): `existing`
   * rows take their new state and incident, `inserted` ones are new rows with their whole state.
   * Updates run first, so an alert resolved and its rule's new one opened never meet as two
   * active alerts of one rule.
   */
  async writeAlerts(manager: EntityManager, existing: readonly AlertWrite[], inserted: readonly StoredAlert[]): Promise<void> {
    if (existing.length > 0) {
      await manager.query(
        `UPDATE alerting.alerts a SET severity = r.severity, status = r.status, priority = r.priority, queue = r.queue, csm_id = r.csm_id, count = r.count,
           last_seen_at = r.last_seen_at, resolved_at = r.resolved_at, snoozed_until = r.snoozed_until, outcome = r.outcome, evidence = r.evidence,
           revision = r.revision, rule_set_version = r.rule_set_version, incident_id = r.incident_id, updated_at = CASE WHEN r.touched THEN now() ELSE a.updated_at END
         FROM jsonb_to_recordset($1::jsonb) AS r(${ALERT_RECORD}, incident_id text, touched boolean)
         WHERE a.id = r.id`,
        [JSON.stringify(existing.map((write) => ({ ...alertRecord(write.alert), incident_id: write.alert.incidentId ?? null, touched: write.touched })))],
      );
    }
    if (inserted.length > 0) {
      await manager.query(
        `INSERT INTO alerting.alerts (id, account_id, rule_id, category, severity, status, priority, queue, csm_id, count,
           opened_at, last_seen_at, resolved_at, snoozed_until, outcome, evidence, revision, rule_set_version, sla_due_at, incident_id)
         SELECT id, account_id, rule_id, category, severity, status, priority, queue, csm_id, count,
           opened_at, last_seen_at, resolved_at, snoozed_until, outcome, evidence, revision, rule_set_version, sla_due_at, incident_id
         FROM jsonb_to_recordset($1::jsonb) AS r(${ALERT_RECORD}, sla_due_at timestamptz, incident_id text)`,
        [JSON.stringify(inserted.map((alert) => ({ ...alertRecord(alert), sla_due_at: alert.slaDueAt ?? null, incident_id: alert.incidentId ?? null })))],
      );
    }
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
 * routing and work fields and the rule set version stay the stored ones.
 */
export function withState(stored: StoredAlert, next: AlertState): StoredAlert {
  const { priority, queue, csmId, slaDueAt, escalatedTo, acknowledgedAt, note, incidentId, ruleSetVersion } = stored;
  return { ...next, priority, queue, csmId, slaDueAt, escalatedTo, acknowledgedAt, note, incidentId, ruleSetVersion };
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
    ...(alert.ruleSetVersion ? { ruleSetVersion: alert.ruleSetVersion } : {}),
  };
}

/**
 * The alert as a read returns it after `writeAlerts` or `update` (instants normalized to
 * `toISOString`, `priority` as a \`real\` column returns it, the evidence through jsonb, the work
 * fields an insert leaves null), so a batch deciding in memory sees what a re-read would.
 */
export function asStored(alert: StoredAlert): StoredAlert {
  const instant = (value: string | null | undefined): Date | null => (value ? new Date(value) : null);
  return fromRow({
    id: alert.alertId,
    account_id: alert.accountId,
    rule_id: alert.ruleId,
    category: alert.category,
    severity: alert.severity,
    status: alert.status,
    priority: asReal(alert.priority),
    queue: alert.queue,
    csm_id: alert.csmId ?? null,
    escalated_to: alert.escalatedTo ?? null,
    opened_at: new Date(alert.openedAt),
    last_seen_at: new Date(alert.lastSeenAt),
    resolved_at: instant(alert.resolvedAt),
    outcome: alert.outcome ?? null,
    revision: alert.revision,
    count: alert.count,
    snoozed_until: instant(alert.snoozedUntil),
    evidence: JSON.parse(JSON.stringify(alert.evidence)) as string[],
    sla_due_at: instant(alert.slaDueAt),
    acknowledged_at: instant(alert.acknowledgedAt),
    note: alert.note ?? null,
    incident_id: alert.incidentId ?? null,
    rule_set_version: alert.ruleSetVersion ?? null,
  });
}

const ALERT_RECORD = `id text, account_id text, rule_id text, category text, severity text, status text, priority real, queue text, csm_id text, count int,
  opened_at timestamptz, last_seen_at timestamptz, resolved_at timestamptz, snoozed_until timestamptz, outcome text, evidence jsonb, revision int, rule_set_version text`;

/** The columns `toParams` writes, as one record of a `jsonb_to_recordset` document (`ALERT_RECORD`). */
function alertRecord(alert: StoredAlert): Record<string, unknown> {
  return {
    id: alert.alertId,
    account_id: alert.accountId,
    rule_id: alert.ruleId,
    category: alert.category,
    severity: alert.severity,
    status: alert.status,
    priority: alert.priority,
    queue: alert.queue,
    csm_id: alert.csmId,
    count: alert.count,
    opened_at: alert.openedAt,
    last_seen_at: alert.lastSeenAt,
    resolved_at: alert.resolvedAt ?? null,
    snoozed_until: alert.snoozedUntil ?? null,
    outcome: alert.outcome ?? null,
    evidence: alert.evidence,
    revision: alert.revision,
    rule_set_version: alert.ruleSetVersion ?? null,
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
    ruleSetVersion: row.rule_set_version,
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
