import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Deliveries retry with backoff; a run whose step keeps failing is parked with its error. */
export class DeliveryRetries1763900000301 implements MigrationInterface {
  name = 'DeliveryRetries1763900000301';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE playbook.deliveries ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN payload jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await runner.query(`CREATE INDEX deliveries_due_idx ON playbook.deliveries (next_attempt_at) WHERE status = 'pending'`);
    await runner.query('ALTER TABLE playbook.runs ADD COLUMN last_error text');
    await runner.query(`ALTER TABLE playbook.tasks ADD COLUMN completed_at timestamptz, ADD COLUMN note text, ADD COLUMN completed_by text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.tasks DROP COLUMN completed_at, DROP COLUMN note, DROP COLUMN completed_by');
    await runner.query('ALTER TABLE playbook.runs DROP COLUMN last_error');
    await runner.query('DROP INDEX playbook.deliveries_due_idx');
    await runner.query('ALTER TABLE playbook.deliveries DROP COLUMN next_attempt_at, DROP COLUMN payload');
  }
}
