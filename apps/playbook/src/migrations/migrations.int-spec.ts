import { migrationsRoundTrip } from '@bellwether/testing';
import { PlaybookInit1763900000300 } from './1763900000300-playbook-init';

describe('playbook migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip('playbook', [PlaybookInit1763900000300])).toEqual(['account_snapshots', 'deliveries', 'migrations', 'outbox', 'processed_messages', 'runs', 'tasks']);
  });
});
