import { migrationsRoundTrip } from '@bellwether/testing';
import { INGESTION_SCHEMA, ingestionMigrations } from '.';

describe('ingestion migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip(INGESTION_SCHEMA, ingestionMigrations)).toEqual(['account_ownership', 'admin_audit', 'api_keys', 'directory_csms', 'directory_teams', 'migrations', 'outbox', 'user_accounts']);
  });
});
