import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Days closed per account (issue 14): `closed_through` is the day boundary before which every day
 * of the account was evaluated as of its end; the day-roller closes the accounts whose events have
 * not crossed the boundary themselves. The pipeline watermark is now the minimum over partitions,
 * computed by the roller; `clock_tick` keeps the newest wall-clock tick for idle partitions in
 * wall mode. Existing accounts count as closed through the day of their last evaluation.
 */
export class DayClosing1763900000102 implements MigrationInterface {
  name = 'DayClosing1763900000102';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE scoring.account_state ADD COLUMN closed_through timestamptz');
    await runner.query(
      `UPDATE scoring.account_state SET closed_through = to_timestamp(floor(extract(epoch FROM evaluated_as_of) / 86400) * 86400)
       WHERE evaluated_as_of IS NOT NULL`,
    );
    await runner.query('ALTER TABLE scoring.watermark ADD COLUMN clock_tick timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE scoring.watermark DROP COLUMN clock_tick');
    await runner.query('ALTER TABLE scoring.account_state DROP COLUMN closed_through');
  }
}
