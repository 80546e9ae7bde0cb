import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adminAuditTableDdl, configVersionsTableDdl } from '@bellwether/platform';

/**
 * Scorecards as versioned, immutable data changed at run time (issue 18 §1): the versions and
 * their activations (libs/platform `configVersionsTableDdl`), and the audit of every admin change
 * (`adminAuditTableDdl`, as ingestion's).
 */
export class ConfigVersionsAndAudit1763900000107 implements MigrationInterface {
  name = 'ConfigVersionsAndAudit1763900000107';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of [...configVersionsTableDdl('scoring').up, ...adminAuditTableDdl('scoring').up]) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of [...adminAuditTableDdl('scoring').down, ...configVersionsTableDdl('scoring').down]) await runner.query(statement);
  }
}
