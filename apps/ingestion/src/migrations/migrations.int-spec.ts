import { migrationsRoundTrip } from '@bellwether/testing';
import { IngestionInit1763900000000 } from './1763900000000-ingestion-init';

describe('ingestion migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip('ingestion', [IngestionInit1763900000000])).toEqual(['api_keys', 'migrations']);
  });
});
