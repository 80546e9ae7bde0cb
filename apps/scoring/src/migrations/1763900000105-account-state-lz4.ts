import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account states are compressed with lz4 instead of Postgres's default pglz. A state is a few KB
 * of JSON (3.7 KB for the benchmark's accounts, more with 90 days of users and features), so
 * every row is TOAST-compressed on each write: one write per touched account per events batch.
 * Measured on this machine (20,000 rows of a 3.7 KB state, UPDATE of every row, 3 runs
 * interleaved): pglz 1.9–2.3 s, lz4 1.2–1.4 s, reads about equal; lz4 stores ~30 % more.
 * Existing rows keep pglz until they are next written; Postgres reads both. A server built
 * without lz4 keeps pglz (the change is skipped with a notice) rather than failing the upgrade.
 */
export class AccountStateLz41763900000105 implements MigrationInterface {
  name = 'AccountStateLz41763900000105';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`DO $$
      BEGIN
        ALTER TABLE scoring.account_state ALTER COLUMN state SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not supported by this server: scoring.account_state.state keeps pglz';
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE scoring.account_state ALTER COLUMN state SET COMPRESSION default');
  }
}
