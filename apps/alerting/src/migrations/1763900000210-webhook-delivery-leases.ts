import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries are claimed with a lease instead of row locks held while sending: the
 * sender sets `claimed_until`, sends with no transaction open, then records the result. A
 * crashed sender's rows are due again once their lease has run out. One subject's (an alert's,
 * an incident's) events go out one at a time, so the claim looks up a row's earlier pending
 * events by subject: the partial expression index serves that lookup.
 */
export class WebhookDeliveryLeases1763900000210 implements MigrationInterface {
  name = 'WebhookDeliveryLeases1763900000210';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE alerting.webhook_deliveries ADD COLUMN claimed_until timestamptz');
    await runner.query(
      `CREATE INDEX webhook_deliveries_pending_subject_idx ON alerting.webhook_deliveries ((coalesce('alert:' || (payload->>'alertId'), 'incident:' || (payload->>'incidentId')))) WHERE status = 'pending'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX alerting.webhook_deliveries_pending_subject_idx');
    await runner.query('ALTER TABLE alerting.webhook_deliveries DROP COLUMN claimed_until');
  }
}
