import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adminAuditTableDdl, configVersionsTableDdl } from '@bellwether/platform';

/**
 * Alert rule sets as versioned, immutable data changed at run time (issue 18 §1), as scoring's
 * scorecards (its migration 107): the versions and their activations (libs/platform
 * `configVersionsTableDdl`), and alerting's own audit of every admin change (`adminAuditTableDdl`).
 */
export class RuleSetVersionsAndAudit1763900000213 implements MigrationInterface {
  name = 'RuleSetVersionsAndAudit1763900000213';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of [...configVersionsTableDdl('alerting').up, ...adminAuditTableDdl('alerting').up]) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of [...adminAuditTableDdl('alerting').down, ...configVersionsTableDdl('alerting').down]) await runner.query(statement);
  }
}
