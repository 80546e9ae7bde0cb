import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incidents (an account's active alerts of one category, grouped), each alert's incident, and
 * the hysteresis state of (account, rule): when a rule started firing without an alert ("pending
 * since", for `holdsForHours`) or started clearing with one (for `clearForHours`), in event time.
 */
export class Incidents1763900000202 implements MigrationInterface {
  name = 'Incidents1763900000202';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE alerting.incidents (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      category text NOT NULL,
      severity text NOT NULL,
      status text NOT NULL,
      priority real NOT NULL,
      queue text NOT NULL,
      csm_id text,
      escalated_to text,
      opened_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      resolved_at timestamptz,
      outcome text,
      rule_ids text[] NOT NULL,
      rules jsonb NOT NULL,
      revision integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // One active incident per (account, category): a CSM's queue shows one risk incident and one expansion opportunity per account.
    await runner.query(`CREATE UNIQUE INDEX incidents_one_active_per_group ON alerting.incidents (account_id, category) WHERE status <> 'resolved'`);
    await runner.query(`CREATE INDEX incidents_queue_idx ON alerting.incidents (queue, status, priority DESC, opened_at)`);
    await runner.query(`CREATE INDEX incidents_escalated_idx ON alerting.incidents (escalated_to, status) WHERE escalated_to IS NOT NULL`);
    // Nullable: alerts from before incidents existed belong to none until their group folds again.
    await runner.query(`ALTER TABLE alerting.alerts ADD COLUMN incident_id text`);
    await runner.query(`CREATE INDEX alerts_incident_idx ON alerting.alerts (incident_id) WHERE incident_id IS NOT NULL`);
    await runner.query(`CREATE TABLE alerting.rule_hysteresis (
      account_id text NOT NULL,
      rule_id text NOT NULL,
      firing_since timestamptz,
      clear_since timestamptz,
      PRIMARY KEY (account_id, rule_id)
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE alerting.rule_hysteresis');
    await runner.query('DROP INDEX alerting.alerts_incident_idx');
    await runner.query('ALTER TABLE alerting.alerts DROP COLUMN incident_id');
    await runner.query('DROP TABLE alerting.incidents');
  }
}
