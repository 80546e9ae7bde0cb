import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrationsRoundTrip, testEnvironment } from '@bellwether/testing';
import { SCORING_SCHEMA, scoringMigrations } from '.';

describe('scoring migrations on a real Postgres', () => {
  it('apply, revert completely, and apply again', async () => {
    expect(await migrationsRoundTrip(SCORING_SCHEMA, scoringMigrations)).toEqual(['account_alerts', 'account_runs', 'account_state', 'admin_audit', 'config_activations', 'config_versions', 'migrations', 'outbox', 'partition_watermarks', 'processed_events', 'rescores', 'score_history', 'watermark']);
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

  it('rewrites a stored account in place (a HOT update) even when its page was filled by inserts', async () => {
    await migrationsRoundTrip(SCORING_SCHEMA, scoringMigrations);
    const db = new Client({ connectionString: testEnvironment.databaseUrl });
    await db.connect();
    try {
      // States of ~1.5 KB that do not compress (TOAST leaves rows under 2 KB inline): at the default
      // fillfactor five fill a page and an update of any of them has to go to another page.
      const states = Array.from({ length: 40 }, (_, index) => ({ accountId: `acct-hot-${index}`, noise: randomText(1_500) }));
      await db.query(`INSERT INTO scoring.account_state (account_id, state) SELECT s->>'accountId', s FROM jsonb_array_elements($1::jsonb) AS s`, [JSON.stringify(states)]);
      await db.query('BEGIN');
      await db.query(`UPDATE scoring.account_state SET sequence = sequence + 1, state = state || '{"eventsApplied": 1}' WHERE account_id LIKE 'acct-hot-%'`);
      const { rows } = await db.query<{ updated: string; hot: string }>(
        `SELECT pg_stat_get_xact_tuples_updated('scoring.account_state'::regclass) AS updated, pg_stat_get_xact_tuples_hot_updated('scoring.account_state'::regclass) AS hot`,
      );
      await db.query('COMMIT');
      expect(Number(rows[0]?.updated)).toBe(40);
      expect(Number(rows[0]?.hot)).toBe(40);
    } finally {
      await db.end();
    }
  });
});

/** `length` characters that compress poorly (hex of random bytes). */
function randomText(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}
