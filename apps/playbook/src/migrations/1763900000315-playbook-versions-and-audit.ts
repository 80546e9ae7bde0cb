import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adminAuditTableDdl, configVersionsTableDdl } from '@bellwether/platform';

/**
 * Playbooks as versioned, immutable data changed at run time (issue 18 §1), as scoring's
 * scorecards (its migration 107): the versions of the set of playbooks and their activations
 * (libs/platform `configVersionsTableDdl`), the audit of every admin change (`adminAuditTableDdl`),
 * and on each run the version of the set that started it (null: started before set versions).
 */
export class PlaybookVersionsAndAudit1763900000315 implements MigrationInterface {
  name = 'PlaybookVersionsAndAudit1763900000315';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of [...configVersionsTableDdl('playbook').up, ...adminAuditTableDdl('playbook').up]) await runner.query(statement);
    await runner.query('ALTER TABLE playbook.runs ADD COLUMN playbooks_version text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.runs DROP COLUMN playbooks_version');
    for (const statement of [...adminAuditTableDdl('playbook').down, ...configVersionsTableDdl('playbook').down]) await runner.query(statement);
  }
}
