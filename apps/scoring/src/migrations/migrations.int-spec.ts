import { migrationsRoundTrip } from '@bellwether/testing';
import { ScoringInit1763900000100 } from './1763900000100-scoring-init';

describe('scoring migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip('scoring', [ScoringInit1763900000100])).toEqual(['account_state', 'migrations', 'outbox', 'processed_events', 'score_history']);
  });
});
