import { migrationsRoundTrip } from '@bellwether/testing';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '.';

describe('playbook migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip(PLAYBOOK_SCHEMA, playbookMigrations)).toEqual(['account_snapshots', 'admin_audit', 'config_activations', 'config_versions', 'deliveries', 'kpi_accounts', 'kpi_alerts', 'kpi_nps', 'kpi_revenue', 'migrations', 'outbox', 'processed_messages', 'runs', 'tasks', 'trigger_watermarks']);
  });
});
