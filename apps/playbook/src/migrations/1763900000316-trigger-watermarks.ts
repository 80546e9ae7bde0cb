import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The newest trigger event time the runs consumers have processed, per topic (scores, alerts,
 * incidents) and partition: a playbook set activated now applies from just after the newest of
 * them (`activationPoint`), so every trigger already decided with the set before stays before the
 * switch, in a replay too. One row per partition, moved forward only by the batch's claim
 * statement (no statement is added to a batch).
 */
export class TriggerWatermarks1763900000316 implements MigrationInterface {
  name = 'TriggerWatermarks1763900000316';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE playbook.trigger_watermarks (
      topic text NOT NULL,
      partition integer NOT NULL,
      watermark timestamptz NOT NULL,
      PRIMARY KEY (topic, partition)
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE playbook.trigger_watermarks');
  }
}
