import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxKeyIndexDdl } from '@bellwether/platform';

/** Score changes are published right after commit with the older unpublished rows of their keys: find those by key. */
export class OutboxKeyIndex1763900000104 implements MigrationInterface {
  name = 'OutboxKeyIndex1763900000104';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of outboxKeyIndexDdl('scoring').up) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of outboxKeyIndexDdl('scoring').down) await runner.query(statement);
  }
}
