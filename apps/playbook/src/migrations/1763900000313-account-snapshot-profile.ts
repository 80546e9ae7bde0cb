import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What emails show of an account beyond the runs' snapshot (`AccountProfile`: churn risk, stage,
 * the newest change's reasons, owner CSM, MRR, plan), kept beside the snapshot and written by the
 * same statement. A column of its own, so the snapshot the runs decide on keeps its shape. Rows
 * stored before have none until the account's next score change.
 */
export class AccountSnapshotProfile1763900000313 implements MigrationInterface {
  name = 'AccountSnapshotProfile1763900000313';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.account_snapshots ADD COLUMN profile jsonb');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.account_snapshots DROP COLUMN profile');
  }
}
