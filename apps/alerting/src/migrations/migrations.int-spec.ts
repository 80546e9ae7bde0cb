import { migrationsRoundTrip } from '@bellwether/testing';
import { AlertingInit1763900000200 } from './1763900000200-alerting-init';

describe('alerting migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip('alerting', [AlertingInit1763900000200])).toEqual(['alerts', 'migrations', 'outbox', 'processed_changes', 'score_points']);
  });
});
