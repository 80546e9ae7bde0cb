import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlertCategory, AlertLifecycleEvent, AlertOutcome, RunOutcome, Segment, TelemetryEvent } from '@bellwether/contracts';

const REQUIRED_MILESTONES = ['account_setup', 'data_connected', 'first_report', 'team_invited'];

/** An account of the KPI read model: when it was first seen, its contract start and onboarding. */
export interface KpiAccountRow {
  readonly account_id: string;
  readonly contract_start: Date | null;
  readonly first_seen: Date;
  readonly onboarded_at: Date | null;
}

/** A revenue fact: `amount` is the MRR (`subscription`), the MRR delta (`expanded`, `contracted`) or 0 (`churned`), as numeric text. */
export interface KpiRevenueRow {
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
  /** Revenue facts before the period's end, oldest first. */
  readonly revenue: readonly KpiRevenueRow[];
  readonly alerts: readonly KpiAlertRow[];
  readonly runs: readonly KpiRunRow[];
  readonly nps: readonly { readonly account_id: string; readonly at: Date; readonly score: number }[];
}

/**
 * The KPI read models: projections of events and alert steps (every write idempotent on the
 * message's id, in the consumer's transaction) and the whole-table reads the portfolio KPIs
 * are computed from.
 */
@Injectable()
export class KpiReadModelRepository {
  /** Projects a telemetry event: the account's first sighting, revenue, NPS answers and onboarding milestones. */
  async projectEvent(manager: EntityManager, event: TelemetryEvent): Promise<void> {
    const properties = event.properties;
    const number = (name: string): number | null => (typeof properties[name] === 'number' ? (properties[name] as number) : null);
    await manager.query(
      `INSERT INTO playbook.kpi_accounts (account_id, first_seen) VALUES ($1, $2)
       ON CONFLICT (account_id) DO UPDATE SET first_seen = LEAST(playbook.kpi_accounts.first_seen, EXCLUDED.first_seen)`,
      [event.accountId, event.timestamp],
    );
    const revenue = (kind: string, amount: number) =>
      manager.query('INSERT INTO playbook.kpi_revenue (event_id, account_id, at, kind, amount) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
        event.id,
        event.accountId,
        event.timestamp,
        kind,
        amount,
      ]);
    switch (event.type) {
      case 'subscription.changed': {
        const mrr = number('mrr');
        if (mrr !== null) await revenue('subscription', mrr);
        const start = typeof properties['startDate'] === 'string' ? properties['startDate'] : null;
        if (start && !Number.isNaN(Date.parse(start))) await manager.query('UPDATE playbook.kpi_accounts SET contract_start = $2 WHERE account_id = $1', [event.accountId, start]);
        break;
      }
      case 'account.expanded':
      case 'account.contracted': {
        const delta = number('mrrDelta');
        if (delta !== null) await revenue(event.type === 'account.expanded' ? 'expanded' : 'contracted', delta);
        break;
      }
      case 'account.churned':
        await revenue('churned', 0);
        break;
      case 'nps.responded': {
        const score = number('score');
        if (score !== null && score >= 0 && score <= 10) {
          await manager.query('INSERT INTO playbook.kpi_nps (event_id, account_id, at, score) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [event.id, event.accountId, event.timestamp, score]);
        }
        break;
      }
      case 'onboarding.milestone_completed': {
        const milestone = typeof properties['milestone'] === 'string' ? properties['milestone'] : null;
        if (!milestone) break;
        await manager.query(
          `UPDATE playbook.kpi_accounts SET milestones = (SELECT array_agg(DISTINCT m) FROM unnest(array_append(milestones, $2::text)) AS m),
             onboarded_at = CASE WHEN onboarded_at IS NULL AND $3::text[] <@ array_append(milestones, $2::text) THEN $4::timestamptz ELSE onboarded_at END
           WHERE account_id = $1`,
          [event.accountId, milestone, REQUIRED_MILESTONES, event.timestamp],
        );
        break;
      }
      default:
        break;
    }
  }

  /** Projects an alert lifecycle step: opening, first acknowledgement, resolution, outcome. */
  async projectAlert(manager: EntityManager, event: AlertLifecycleEvent): Promise<void> {
    await manager.query(
      `INSERT INTO playbook.kpi_alerts (alert_id, account_id, rule, category, opened_at, acknowledged_at, resolved_at, outcome, revision)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 = 'acknowledged' THEN $5::timestamptz END, CASE WHEN $6 = 'resolved' THEN $5::timestamptz END, $7, $8)
       ON CONFLICT (alert_id) DO UPDATE SET
         acknowledged_at = COALESCE(playbook.kpi_alerts.acknowledged_at, CASE WHEN $6 = 'acknowledged' THEN $5::timestamptz END),
         resolved_at = CASE WHEN $6 = 'resolved' THEN $5::timestamptz ELSE playbook.kpi_alerts.resolved_at END,
         outcome = COALESCE($7, playbook.kpi_alerts.outcome),
         revision = GREATEST(playbook.kpi_alerts.revision, EXCLUDED.revision)`,
      [event.alertId, event.accountId, event.rule, event.category, event.occurredAt, event.kind, event.outcome ?? null, event.revision],
    );
  }

  /**
   * Reads the KPI read models (whole tables; revenue before `until`, an ISO-8601 instant), one
   * statement each, in the order the KPIs were always read in.
   */
  async readModels(manager: EntityManager, until: string): Promise<KpiReadModels> {
    const q = async <T>(sql: string, params: unknown[] = []) => (await manager.query(sql, params)) as T[];
    const segments = await q<{ account_id: string; segment: Segment }>(`SELECT account_id, snapshot->>'segment' AS segment FROM playbook.account_snapshots`);
    const accounts = await q<KpiAccountRow>('SELECT account_id, contract_start, first_seen, onboarded_at FROM playbook.kpi_accounts');
    const revenue = await q<KpiRevenueRow>('SELECT account_id, at, kind, amount FROM playbook.kpi_revenue WHERE at < $1 ORDER BY at', [until]);
    const alerts = await q<KpiAlertRow>('SELECT alert_id, account_id, rule, category, opened_at, acknowledged_at, resolved_at, outcome FROM playbook.kpi_alerts');
    const runs = await q<KpiRunRow>('SELECT id, playbook_id, variant_id, account_id, created_at, updated_at, status, outcome FROM playbook.runs');
    const nps = await q<{ account_id: string; at: Date; score: number }>('SELECT account_id, at, score FROM playbook.kpi_nps');
    return { segments, accounts, revenue, alerts, runs, nps };
  }
}
