import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each alert records the version of the rule set under which a score change last opened, updated
 * or resolved it (RULES_FILE or the built-in default, issue 18). Nullable: alerts stored before
 * have none.
 */
export class AlertRuleSetVersion1763900000212 implements MigrationInterface {
  name = 'AlertRuleSetVersion1763900000212';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE alerting.alerts ADD COLUMN rule_set_version text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE alerting.alerts DROP COLUMN rule_set_version');
  }
}
