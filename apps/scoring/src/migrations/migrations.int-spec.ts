import { Client } from 'pg';
import { migrationsRoundTrip, testEnvironment } from '@bellwether/testing';
import { SCORING_SCHEMA, scoringMigrations } from '.';

describe('scoring migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip(SCORING_SCHEMA, scoringMigrations)).toEqual(['account_alerts', 'account_runs', 'account_state', 'migrations', 'outbox', 'partition_watermarks', 'processed_events', 'score_history', 'watermark']);
  });

  it('stores a large account state compressed with lz4, not pglz', async () => {
    await migrationsRoundTrip(SCORING_SCHEMA, scoringMigrations);
    const db = new Client({ connectionString: testEnvironment.databaseUrl });
    await db.connect();
    try {
      // Large enough (> 2 KB per row) for TOAST to compress it, and compressible.
      const state = { accountId: 'acct-lz4', activityByDay: Object.fromEntries(Array.from({ length: 400 }, (_, day) => [String(20_000 + day), day % 7])) };
      await db.query(`INSERT INTO scoring.account_state (account_id, state) VALUES ('acct-lz4', $1)`, [JSON.stringify(state)]);
      const { rows } = await db.query<{ compression: string | null }>(`SELECT pg_column_compression(state) AS compression FROM scoring.account_state WHERE account_id = 'acct-lz4'`);
      expect(rows[0]?.compression).toBe('lz4');
    } finally {
      await db.end();
    }
  });
});
