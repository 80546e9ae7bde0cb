import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableDdl } from '@bellwether/platform';

export class AlertingInit1763900000200 implements MigrationInterface {
  name = 'AlertingInit1763900000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE alerting.alerts (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      rule_id text NOT NULL,
      category text NOT NULL,
      severity text NOT NULL,
      status text NOT NULL,
      priority real NOT NULL,
      queue text NOT NULL,
      csm_id text,
      count integer NOT NULL,
      opened_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      resolved_at timestamptz,
      snoozed_until timestamptz,
      outcome text,
      evidence jsonb NOT NULL,
      revision integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // One active alert per (account, rule): a re-trigger updates it, never opens a second one.
    await runner.query(`CREATE UNIQUE INDEX alerts_one_active_per_rule ON alerting.alerts (account_id, rule_id) WHERE status <> 'resolved'`);
    await runner.query(`CREATE INDEX alerts_queue_idx ON alerting.alerts (queue, status, priority DESC, opened_at)`);
    await runner.query(`CREATE INDEX alerts_account_idx ON alerting.alerts (account_id, rule_id, resolved_at DESC)`);
    await runner.query(`CREATE TABLE alerting.processed_changes (
      change_id text PRIMARY KEY,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE TABLE alerting.score_points (
      account_id text NOT NULL,
      event_time timestamptz NOT NULL,
      health smallint NOT NULL,
      PRIMARY KEY (account_id, event_time)
    )`);
    for (const statement of outboxTableDdl('alerting').up) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of outboxTableDdl('alerting').down) await runner.query(statement);
    await runner.query('DROP TABLE alerting.score_points');
    await runner.query('DROP TABLE alerting.processed_changes');
    await runner.query('DROP TABLE alerting.alerts');
  }
}
