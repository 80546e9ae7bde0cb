import type { EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, TelemetryEvent } from '@bellwether/contracts';

const REQUIRED_MILESTONES = ['account_setup', 'data_connected', 'first_report', 'team_invited'];

/** Projections for the portfolio KPIs; every write is idempotent on the message's id. */
export class KpiReadModelRepository {
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
}
