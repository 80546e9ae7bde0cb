import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which account each user joined (Segment `group` calls), so later calls without a groupId resolve. */
export class UserAccounts1763900000001 implements MigrationInterface {
  name = 'UserAccounts1763900000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE ingestion.user_accounts (
      user_id text PRIMARY KEY,
      account_id text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE ingestion.user_accounts');
  }
}
