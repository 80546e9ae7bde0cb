import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `processed_messages` is pruned by the retention pruner (issue 17: ids older than
 * `PROCESSED_IDS_RETENTION_DAYS`, in bounded batches). Each batch selects its rows by
 * `processed_at`; without this index every batch would scan the whole table.
 */
export class ProcessedMessagesRetention1763900000311 implements MigrationInterface {
  name = 'ProcessedMessagesRetention1763900000311';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX processed_messages_processed_at_idx ON playbook.processed_messages (processed_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX playbook.processed_messages_processed_at_idx');
  }
}
