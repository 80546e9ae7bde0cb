import { migrationsRoundTrip } from '@bellwether/testing';
import { ALERTING_SCHEMA, alertingMigrations } from '.';

describe('alerting migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip(ALERTING_SCHEMA, alertingMigrations)).toEqual(['admin_audit', 'alerts', 'change_watermarks', 'config_activations', 'config_versions', 'incidents', 'migrations', 'outbox', 'processed_changes', 'rule_hysteresis', 'score_points', 'webhook_deliveries']);
  });
});
