import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event time of the `subscription.changed` that set an account's `contract_start`, so the
 * newest subscription by event time wins, not the one processed last (a late delivery of an older
 * subscription no longer moves the contract start back). Rows stored before have none: the next
 * subscription with a start date sets both.
 */
export class KpiContractStartEventTime1763900000312 implements MigrationInterface {
  name = 'KpiContractStartEventTime1763900000312';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.kpi_accounts ADD COLUMN contract_start_at timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.kpi_accounts DROP COLUMN contract_start_at');
  }
}
