import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableDdl } from '@bellwether/platform';

/** API key changes leave through an outbox, in the same transaction as the key rows. */
export class IngestionOutbox1763900000002 implements MigrationInterface {
  name = 'IngestionOutbox1763900000002';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of outboxTableDdl('ingestion').up) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of outboxTableDdl('ingestion').down) await runner.query(statement);
  }
}
