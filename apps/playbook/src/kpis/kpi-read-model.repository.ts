import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { accountEconomicsOf, type AlertCategory, type AlertLifecycleEvent, type AlertOutcome, type JsonObject, type RunOutcome, type Segment, type TelemetryEvent } from '@bellwether/contracts';
import { revenueReadUntil } from '@bellwether/kpi-domain';

const REQUIRED_MILESTONES = ['account_setup', 'data_connected', 'first_report', 'team_invited'];

/** An account of the KPI read model: when it was first seen, its contract start, onboarding and economics. */
export interface KpiAccountRow {
  readonly account_id: string;
  readonly contract_start: Date | null;
  readonly first_seen: Date;
  readonly onboarded_at: Date | null;
  /** Cost to acquire the account, USD, as numeric text; null when no trusted source set it (or it was cleared). */
  readonly cac_usd: string | null;
  /** Gross margin, a fraction in [0, 1], as numeric text; null: the KPI setting's default applies. */
  readonly gross_margin_pct: string | null;
}

/** A revenue fact: `amount` is the MRR (`subscription`), the MRR delta (`expanded`, `contracted`) or 0 (`churned`), as numeric text. */
export interface KpiRevenueRow {
  /** The event's id: the tie-break between facts with the same event time. */
  readonly event_id: string;
  readonly account_id: string;
  readonly at: Date;
  readonly kind: string;
  readonly amount: string;
}

/** An alert's times and outcome as the KPI read model keeps them. */
export interface KpiAlertRow {
  readonly alert_id: string;
  readonly account_id: string;
  readonly rule: string;
  readonly category: AlertCategory;
  readonly opened_at: Date;
  readonly acknowledged_at: Date | null;
  readonly resolved_at: Date | null;
  readonly outcome: AlertOutcome | null;
}

/** A playbook run's times, status and outcome. */
export interface KpiRunRow {
  readonly id: string;
  readonly playbook_id: string;
  readonly variant_id: string;
  readonly account_id: string;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly status: string;
  readonly outcome: RunOutcome | null;
}

/** Everything the portfolio KPIs read, as stored (see `portfolioKpiInput`). */
export interface KpiReadModels {
  /** Each account's latest segment (from its snapshot). */
  readonly segments: readonly { readonly account_id: string; readonly segment: Segment }[];
  readonly accounts: readonly KpiAccountRow[];
  /** Revenue facts before the period's end plus the MRR reconciliation window (`revenueReadUntil`), by event time then event id. */
  readonly revenue: readonly KpiRevenueRow[];
  readonly alerts: readonly KpiAlertRow[];
  readonly runs: readonly KpiRunRow[];
  readonly nps: readonly { readonly account_id: string; readonly at: Date; readonly score: number }[];
}

/**
 * The KPI read models: projections of events and alert steps (set-based, one statement per batch;
 * every write idempotent on the message's id, in the consumer's transaction) and the whole-table reads the portfolio KPIs
 * are computed from.
 */
@Injectable()
export class KpiReadModelRepository {
  /**
   * Projects a batch of telemetry events in one statement (the rows as one `jsonb_to_recordset`
   * document): each account's first sighting, revenue and NPS answers (idempotent on the event
   * id), the contract start (of the newest `subscription.changed` by event time with a valid
   * start date; among equal times the later record; a stored one only yields to a newer) and onboarding
   * milestones (onboarded at the first milestone, in record order, that completes the required
   * set), and the account's economics (`cacUsd`, `grossMarginPct` of a TRUSTED `account.updated`'s
   * traits only: `trustedAttributes`, set by ingestion for its admin API and `accounts:write`
   * keys; each the newest by event time, among equal times the later record, `null` clearing it;
   * an invalid value changes nothing). The result is the one projecting the events one by one
   * would leave, so a redelivered or re-read batch changes nothing.
   */
  async projectEvents(manager: EntityManager, events: readonly TelemetryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await manager.query(
      `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id text, account_id text, at timestamptz, revenue_kind text, amount numeric,
           contract_start timestamptz, nps smallint, milestone text, ord int,
           cac_set boolean, cac_usd numeric, margin_set boolean, gross_margin_pct numeric)
       ),
       -- The milestone rows alone (rare): onboarding is looked for among them, per account that has any.
       ms AS (SELECT account_id, at, milestone, ord FROM r WHERE milestone IS NOT NULL),
       revenue AS (
         INSERT INTO playbook.kpi_revenue (event_id, account_id, at, kind, amount)
         SELECT id, account_id, at, revenue_kind, amount FROM r WHERE revenue_kind IS NOT NULL
         ON CONFLICT DO NOTHING
       ),
       nps AS (
         INSERT INTO playbook.kpi_nps (event_id, account_id, at, score) SELECT id, account_id, at, nps FROM r WHERE nps IS NOT NULL
         ON CONFLICT DO NOTHING
       ),
       accounts AS (
         SELECT account_id, min(at) AS first_seen,
           (array_agg(contract_start ORDER BY at DESC, ord DESC) FILTER (WHERE contract_start IS NOT NULL))[1] AS contract_start,
           max(at) FILTER (WHERE contract_start IS NOT NULL) AS contract_start_at,
           -- Economics: the newest setting by event time (then record order); its value may be null (cleared).
           (array_agg(cac_usd ORDER BY at DESC, ord DESC) FILTER (WHERE cac_set))[1] AS cac_usd,
           max(at) FILTER (WHERE cac_set) AS cac_usd_at,
           (array_agg(gross_margin_pct ORDER BY at DESC, ord DESC) FILTER (WHERE margin_set))[1] AS gross_margin_pct,
           max(at) FILTER (WHERE margin_set) AS gross_margin_pct_at,
           COALESCE(array_agg(DISTINCT milestone ORDER BY milestone) FILTER (WHERE milestone IS NOT NULL), '{}') AS milestones
         FROM r GROUP BY account_id
       )
       INSERT INTO playbook.kpi_accounts AS a (account_id, first_seen, contract_start, contract_start_at, cac_usd, cac_usd_at, gross_margin_pct, gross_margin_pct_at, milestones, onboarded_at)
       SELECT account_id, first_seen, contract_start, contract_start_at, cac_usd, cac_usd_at, gross_margin_pct, gross_margin_pct_at, milestones,
         CASE WHEN cardinality(milestones) > 0 THEN
           (SELECT s.at FROM ms s WHERE s.account_id = accounts.account_id
              AND $2::text[] <@ ARRAY(SELECT p.milestone FROM ms p WHERE p.account_id = s.account_id AND p.ord <= s.ord)
            ORDER BY s.ord LIMIT 1)
         END
       FROM accounts
       ON CONFLICT (account_id) DO UPDATE SET
         first_seen = LEAST(a.first_seen, EXCLUDED.first_seen),
         -- The newest subscription by event time wins (ties: the later record), not the one processed last.
         contract_start = CASE WHEN EXCLUDED.contract_start_at >= a.contract_start_at OR (EXCLUDED.contract_start IS NOT NULL AND a.contract_start_at IS NULL)
           THEN EXCLUDED.contract_start ELSE a.contract_start END,
         contract_start_at = CASE WHEN EXCLUDED.contract_start_at >= a.contract_start_at OR (EXCLUDED.contract_start IS NOT NULL AND a.contract_start_at IS NULL)
           THEN EXCLUDED.contract_start_at ELSE a.contract_start_at END,
         -- Likewise the newest economics setting by event time wins (ties: the later record).
         cac_usd = CASE WHEN EXCLUDED.cac_usd_at >= a.cac_usd_at OR (EXCLUDED.cac_usd_at IS NOT NULL AND a.cac_usd_at IS NULL)
           THEN EXCLUDED.cac_usd ELSE a.cac_usd END,
         cac_usd_at = CASE WHEN EXCLUDED.cac_usd_at >= a.cac_usd_at OR (EXCLUDED.cac_usd_at IS NOT NULL AND a.cac_usd_at IS NULL)
           THEN EXCLUDED.cac_usd_at ELSE a.cac_usd_at END,
         gross_margin_pct = CASE WHEN EXCLUDED.gross_margin_pct_at >= a.gross_margin_pct_at OR (EXCLUDED.gross_margin_pct_at IS NOT NULL AND a.gross_margin_pct_at IS NULL)
           THEN EXCLUDED.gross_margin_pct ELSE a.gross_margin_pct END,
         gross_margin_pct_at = CASE WHEN EXCLUDED.gross_margin_pct_at >= a.gross_margin_pct_at OR (EXCLUDED.gross_margin_pct_at IS NOT NULL AND a.gross_margin_pct_at IS NULL)
           THEN EXCLUDED.gross_margin_pct_at ELSE a.gross_margin_pct_at END,
         milestones = CASE WHEN cardinality(EXCLUDED.milestones) = 0 THEN a.milestones
           ELSE ARRAY(SELECT DISTINCT m FROM unnest(a.milestones || EXCLUDED.milestones) AS m ORDER BY m) END,
         onboarded_at = COALESCE(a.onboarded_at,
           CASE WHEN cardinality(EXCLUDED.milestones) > 0 THEN
             (SELECT s.at FROM ms s WHERE s.account_id = EXCLUDED.account_id
                AND $2::text[] <@ (a.milestones || ARRAY(SELECT p.milestone FROM ms p WHERE p.account_id = s.account_id AND p.ord <= s.ord))
              ORDER BY s.ord LIMIT 1)
           END)
       -- Only where something can change: most events are usage of a known account, and an update
       -- that changes nothing would still write a new row version (and its WAL) per account and batch.
       WHERE EXCLUDED.first_seen < a.first_seen OR EXCLUDED.contract_start IS NOT NULL OR cardinality(EXCLUDED.milestones) > 0
         OR EXCLUDED.cac_usd_at IS NOT NULL OR EXCLUDED.gross_margin_pct_at IS NOT NULL`,
      [JSON.stringify(kpiEventRows(events)), REQUIRED_MILESTONES],
    );
  }

  /**
   * Projects a batch of alert lifecycle steps in one statement: the steps of each alert are folded
   * in record order first (opened at its first step; acknowledged at its first acknowledgement,
   * resolved at its last resolution; its last outcome; its highest revision), then stored as
   * `projectAlert` did step by step: a stored acknowledgement stays, a resolution or an outcome
   * replaces the stored one.
   */
  async projectAlerts(manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<void> {
    const folded = new Map<string, KpiAlertFold>();
    for (const event of events) {
      const row = folded.get(event.alertId) ?? {
        alert_id: event.alertId,
        account_id: event.accountId,
        rule: event.rule,
        category: event.category,
        opened_at: event.occurredAt,
        acknowledged_at: null,
        resolved_at: null,
        outcome: null,
        revision: event.revision,
      };
      folded.set(event.alertId, {
        ...row,
        acknowledged_at: row.acknowledged_at ?? (event.kind === 'acknowledged' ? event.occurredAt : null),
        resolved_at: event.kind === 'resolved' ? event.occurredAt : row.resolved_at,
        outcome: event.outcome ?? row.outcome,
        revision: Math.max(row.revision, event.revision),
      });
    }
    if (folded.size === 0) return;
    await manager.query(
      `INSERT INTO playbook.kpi_alerts AS k (alert_id, account_id, rule, category, opened_at, acknowledged_at, resolved_at, outcome, revision)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(alert_id text, account_id text, rule text, category text, opened_at timestamptz,
         acknowledged_at timestamptz, resolved_at timestamptz, outcome text, revision int)
       ON CONFLICT (alert_id) DO UPDATE SET
         acknowledged_at = COALESCE(k.acknowledged_at, EXCLUDED.acknowledged_at),
         resolved_at = COALESCE(EXCLUDED.resolved_at, k.resolved_at),
         outcome = COALESCE(EXCLUDED.outcome, k.outcome),
         revision = GREATEST(k.revision, EXCLUDED.revision)`,
      [JSON.stringify([...folded.values()])],
    );
  }

  /**
   * Reads the KPI read models for a period ending at `until` (an ISO-8601 instant), one statement
   * each, in the order the KPIs were always read in: whole tables, but revenue only before
   * `revenueReadUntil(until)`, the end plus the MRR reconciliation window, since a
   * `subscription.changed` just after the period can reconcile a delta inside it.
   */
  async readModels(manager: EntityManager, until: string): Promise<KpiReadModels> {
    const q = async <T>(sql: string, params: unknown[] = []) => (await manager.query(sql, params)) as T[];
    const segments = await q<{ account_id: string; segment: Segment }>(`SELECT account_id, snapshot->>'segment' AS segment FROM playbook.account_snapshots`);
    const accounts = await q<KpiAccountRow>('SELECT account_id, contract_start, first_seen, onboarded_at, cac_usd, gross_margin_pct FROM playbook.kpi_accounts');
    const revenue = await q<KpiRevenueRow>('SELECT event_id, account_id, at, kind, amount FROM playbook.kpi_revenue WHERE at < $1 ORDER BY at, event_id', [revenueReadUntil(until)]);
    const alerts = await q<KpiAlertRow>('SELECT alert_id, account_id, rule, category, opened_at, acknowledged_at, resolved_at, outcome FROM playbook.kpi_alerts');
    const runs = await q<KpiRunRow>('SELECT id, playbook_id, variant_id, account_id, created_at, updated_at, status, outcome FROM playbook.runs');
    const nps = await q<{ account_id: string; at: Date; score: number }>('SELECT account_id, at, score FROM playbook.kpi_nps');
    return { segments, accounts, revenue, alerts, runs, nps };
  }
}

/** One alert's lifecycle steps of a batch, folded (`projectAlerts`); instants ISO-8601. */
interface KpiAlertFold {
  readonly alert_id: string;
  readonly account_id: string;
  readonly rule: string;
  readonly category: string;
  readonly opened_at: string;
  readonly acknowledged_at: string | null;
  readonly resolved_at: string | null;
  readonly outcome: string | null;
  readonly revision: number;
}

/**
 * The rows of `projectEvents`' document for a batch, in record order: every event that carries a
 * KPI fact (revenue, contract start, NPS, milestone, economics) as its own row, and the others (usage, most
 * of the traffic) folded into one sighting row per account, the earliest. Those add nothing but
 * the account's first sighting, a minimum, so folding them leaves the same result while the
 * document and the statement's GROUP BY shrink from one row per event to about one per account.
 * An event time that does not parse here is never folded, so Postgres judges it as before.
 */
function kpiEventRows(events: readonly TelemetryEvent[]): KpiEventRow[] {
  const rows: KpiEventRow[] = [];
  const earliestSighting = new Map<string, { row: KpiEventRow; atMs: number }>();
  events.forEach((event, ord) => {
    const row = kpiEventRow(event, ord);
    const atMs = Date.parse(row.at);
    const factless = row.revenue_kind === null && row.contract_start === null && row.nps === null && row.milestone === null && !row.cac_set && !row.margin_set;
    if (!factless || Number.isNaN(atMs)) {
      rows.push(row);
      return;
    }
    const earliest = earliestSighting.get(row.account_id);
    if (!earliest) {
      earliestSighting.set(row.account_id, { row, atMs });
      rows.push(row);
    } else if (atMs < earliest.atMs) {
      // The account keeps its row's place; only its time moves earlier.
      earliest.row.at = row.at;
      earliest.atMs = atMs;
    }
  });
  return rows;
}

/** One row of `projectEvents`' document (see `kpiEventRow`). */
interface KpiEventRow {
  readonly id: string;
  readonly account_id: string;
  /** The event time (ISO-8601); a folded sighting row carries its account's earliest. */
  at: string;
  readonly revenue_kind: string | null;
  readonly amount: number | null;
  readonly contract_start: string | null;
  readonly nps: number | null;
  readonly milestone: string | null;
  readonly ord: number;
  /** Whether the event sets the CAC (`cac_usd` may then be null: cleared); likewise the margin. */
  readonly cac_set: boolean;
  readonly cac_usd: number | null;
  readonly margin_set: boolean;
  readonly gross_margin_pct: number | null;
}

/**
 * What a telemetry event adds to the KPI read models, as one row of `projectEvents`' document:
 * revenue (`subscription`: the MRR, `expanded`/`contracted`: the MRR delta, `churned`: 0), a
 * contract start (a parseable `startDate` of `subscription.changed`), an NPS answer (0–10) and an
 * onboarding milestone, and the account's economics (`cacUsd`, `grossMarginPct` in the traits of an
 * `account.updated` marked `trustedAttributes`: an unmarked event's are never read, so telemetry
 * cannot move LTV/CAC); null where the event has none. `ord` keeps the record order.
 */
function kpiEventRow(event: TelemetryEvent, ord: number): KpiEventRow {
  const properties = event.properties;
  const number = (name: string): number | null => (typeof properties[name] === 'number' ? (properties[name] as number) : null);
  let revenue: { revenue_kind: string; amount: number } | null = null;
  let contractStart: string | null = null;
  let nps: number | null = null;
  let milestone: string | null = null;
  let economics: ReturnType<typeof accountEconomicsOf> = {};
  switch (event.type) {
    case 'subscription.changed': {
      const mrr = number('mrr');
      if (mrr !== null) revenue = { revenue_kind: 'subscription', amount: mrr };
      const start = typeof properties['startDate'] === 'string' ? properties['startDate'] : null;
      if (start && !Number.isNaN(Date.parse(start))) contractStart = start;
      break;
    }
    case 'account.expanded':
    case 'account.contracted': {
      const delta = number('mrrDelta');
      if (delta !== null) revenue = { revenue_kind: event.type === 'account.expanded' ? 'expanded' : 'contracted', amount: delta };
      break;
    }
    case 'account.churned':
      revenue = { revenue_kind: 'churned', amount: 0 };
      break;
    case 'nps.responded': {
      const score = number('score');
      if (score !== null && score >= 0 && score <= 10) nps = score;
      break;
    }
    case 'onboarding.milestone_completed':
      milestone = typeof properties['milestone'] === 'string' && properties['milestone'] ? properties['milestone'] : null;
      break;
    case 'account.updated': {
      const traits = properties['traits'];
      if (event.trustedAttributes === true && traits !== null && typeof traits === 'object' && !Array.isArray(traits)) economics = accountEconomicsOf(traits as JsonObject);
      break;
    }
    default:
      break;
  }
  return {
    id: event.id,
    account_id: event.accountId,
    at: event.timestamp,
    revenue_kind: revenue?.revenue_kind ?? null,
    amount: revenue?.amount ?? null,
    contract_start: contractStart,
    nps,
    milestone,
    ord,
    cac_set: economics.cacUsd !== undefined,
    cac_usd: economics.cacUsd ?? null,
    margin_set: economics.grossMarginPct !== undefined,
    gross_margin_pct: economics.grossMarginPct ?? null,
  };
}
