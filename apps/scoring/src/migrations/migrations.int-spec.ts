import { migrationsRoundTrip } from '@bellwether/testing';
import { SCORING_SCHEMA, scoringMigrations } from '.';

describe('scoring migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip(SCORING_SCHEMA, scoringMigrations)).toEqual(['account_alerts', 'account_runs', 'account_state', 'migrations', 'outbox', 'partition_watermarks', 'processed_events', 'score_history', 'watermark']);
  });
});
