import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the queue API and the escalation loop need: wall-clock times, SLAs, notes; webhooks. */
export class QueueWork1763900000201 implements MigrationInterface {
  name = 'QueueWork1763900000201';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE alerting.alerts
      ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN sla_due_at timestamptz,
      ADD COLUMN acknowledged_at timestamptz,
      ADD COLUMN acted_by text,
      ADD COLUMN escalated_at timestamptz,
      ADD COLUMN escalated_to text,
      ADD COLUMN note text`);
    await runner.query(`CREATE INDEX alerts_sla_idx ON alerting.alerts (sla_due_at) WHERE status = 'open' AND escalated_at IS NULL`);
    await runner.query(`CREATE INDEX alerts_escalated_idx ON alerting.alerts (escalated_to, status) WHERE escalated_to IS NOT NULL`);
    // Signed webhook deliveries, one row per lifecycle event, written with it.
    await runner.query(`CREATE TABLE alerting.webhook_deliveries (
      event_id text PRIMARY KEY,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE INDEX webhook_deliveries_due_idx ON alerting.webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE alerting.webhook_deliveries');
    await runner.query('DROP INDEX alerting.alerts_escalated_idx');
    await runner.query('DROP INDEX alerting.alerts_sla_idx');
    await runner.query(`ALTER TABLE alerting.alerts DROP COLUMN created_at, DROP COLUMN sla_due_at, DROP COLUMN acknowledged_at,
      DROP COLUMN acted_by, DROP COLUMN escalated_at, DROP COLUMN escalated_to, DROP COLUMN note`);
  }
}
