import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The watermark (the pipeline's "now" in event time) and its day-roll progress; the evaluation
 * time of each account; and read models of other services' topics for the 360 view.
 */
export class WatermarkAndReadModels1763900000101 implements MigrationInterface {
  name = 'WatermarkAndReadModels1763900000101';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE scoring.account_state ADD COLUMN evaluated_as_of timestamptz');
    await runner.query(`CREATE TABLE scoring.watermark (
      id smallint PRIMARY KEY CHECK (id = 1),
      watermark timestamptz,
      rolled_through timestamptz,
      roll_target timestamptz,
      roll_cursor text
    )`);
    await runner.query('INSERT INTO scoring.watermark (id) VALUES (1)');
    // Lateness is judged per partition: a partition is an ordered log, so the judgement is the
    // same in every replay, however partitions interleave.
    await runner.query(`CREATE TABLE scoring.partition_watermarks (
      partition integer PRIMARY KEY,
      watermark timestamptz NOT NULL
    )`);
    await runner.query(`CREATE TABLE scoring.account_alerts (
      alert_id text PRIMARY KEY,
      account_id text NOT NULL,
      rule text NOT NULL,
      category text NOT NULL,
      severity text NOT NULL,
      status text NOT NULL,
      queue text NOT NULL,
      priority real NOT NULL,
      revision integer NOT NULL,
      occurred_at timestamptz NOT NULL
    )`);
    await runner.query('CREATE INDEX account_alerts_account_idx ON scoring.account_alerts (account_id) WHERE status <> \'resolved\'');
    await runner.query(`CREATE TABLE scoring.account_runs (
      run_id text PRIMARY KEY,
      account_id text NOT NULL,
      playbook_id text NOT NULL,
      status text NOT NULL,
      outcome text,
      started_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await runner.query('CREATE INDEX account_runs_account_idx ON scoring.account_runs (account_id) WHERE status = \'active\'');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE scoring.account_runs');
    await runner.query('DROP TABLE scoring.account_alerts');
    await runner.query('DROP TABLE scoring.partition_watermarks');
    await runner.query('DROP TABLE scoring.watermark');
    await runner.query('ALTER TABLE scoring.account_state DROP COLUMN evaluated_as_of');
  }
}
