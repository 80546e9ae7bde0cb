import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `processed_events` is pruned by the retention pruner (issue 17: ids older than
 * `PROCESSED_IDS_RETENTION_DAYS`, in bounded batches). Each batch selects its rows by
 * `processed_at`; without this index every batch would scan the whole table.
 */
export class ProcessedEventsRetention1763900000103 implements MigrationInterface {
  name = 'ProcessedEventsRetention1763900000103';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX processed_events_processed_at_idx ON scoring.processed_events (processed_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX scoring.processed_events_processed_at_idx');
  }
}
