import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `processed_changes` is pruned by the retention pruner (issue 17: ids older than
 * `PROCESSED_IDS_RETENTION_DAYS`, in bounded batches). Each batch selects its rows by
 * `processed_at`; without this index every batch would scan the whole table.
 */
export class ProcessedChangesRetention1763900000211 implements MigrationInterface {
  name = 'ProcessedChangesRetention1763900000211';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX processed_changes_processed_at_idx ON alerting.processed_changes (processed_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX alerting.processed_changes_processed_at_idx');
  }
}
