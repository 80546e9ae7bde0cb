import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries are claimed with a lease instead of row locks held while sending: the worker sets
 * `claimed_until`, sends with no transaction open, then records the result. A crashed worker's
 * rows are due again once their lease has run out. One run's deliveries go out one at a time, in
 * the order its steps made them, so the claim looks up a row's earlier pending deliveries by run.
 */
export class DeliveryLeases1763900000310 implements MigrationInterface {
  name = 'DeliveryLeases1763900000310';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.deliveries ADD COLUMN claimed_until timestamptz');
    await runner.query(`CREATE INDEX deliveries_pending_run_idx ON playbook.deliveries (run_id, created_at) WHERE status = 'pending'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX playbook.deliveries_pending_run_idx');
    await runner.query('ALTER TABLE playbook.deliveries DROP COLUMN claimed_until');
  }
}
