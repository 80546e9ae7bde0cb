import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The newest score change event time alerting has processed, per partition of the scores topic:
 * a rule set activated now applies from just after the newest of them (`activationPoint`), so
 * every change already evaluated with the set before stays before the switch, in a replay too.
 * One row per partition, moved forward only by the batch's claim statement (no statement is added
 * to a batch).
 */
export class ChangeWatermarks1763900000214 implements MigrationInterface {
  name = 'ChangeWatermarks1763900000214';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE alerting.change_watermarks (
      partition integer PRIMARY KEY,
      watermark timestamptz NOT NULL
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE alerting.change_watermarks');
  }
}
