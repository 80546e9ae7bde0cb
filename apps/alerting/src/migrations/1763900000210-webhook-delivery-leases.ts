import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries are claimed with a lease instead of row locks held while sending: the
 * sender sets `claimed_until`, sends with no transaction open, then records the result. A
 * crashed sender's rows are due again once their lease has run out.
 */
export class WebhookDeliveryLeases1763900000210 implements MigrationInterface {
  name = 'WebhookDeliveryLeases1763900000210';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE alerting.webhook_deliveries ADD COLUMN claimed_until timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE alerting.webhook_deliveries DROP COLUMN claimed_until');
  }
}
