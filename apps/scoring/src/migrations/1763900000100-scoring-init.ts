import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableDdl } from '@bellwether/platform';

export class ScoringInit1763900000100 implements MigrationInterface {
  name = 'ScoringInit1763900000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE scoring.account_state (
      account_id text PRIMARY KEY,
      state jsonb NOT NULL,
      snapshot jsonb,
      drivers jsonb,
      sequence integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE TABLE scoring.score_history (
      id bigserial PRIMARY KEY,
      account_id text NOT NULL,
      sequence integer NOT NULL,
      event_time timestamptz NOT NULL,
      health smallint NOT NULL,
      band text NOT NULL,
      churn_risk real NOT NULL,
      segment text NOT NULL,
      stage text NOT NULL,
      drivers jsonb NOT NULL,
      reasons jsonb NOT NULL,
      cause jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (account_id, sequence)
    )`);
    await runner.query('CREATE INDEX score_history_account_time_idx ON scoring.score_history (account_id, event_time)');
    // Event ids already applied: a redelivered batch changes nothing.
    await runner.query(`CREATE TABLE scoring.processed_events (
      event_id text PRIMARY KEY,
      account_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`);
    for (const statement of outboxTableDdl('scoring').up) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of outboxTableDdl('scoring').down) await runner.query(statement);
    await runner.query('DROP TABLE scoring.processed_events');
    await runner.query('DROP TABLE scoring.score_history');
    await runner.query('DROP TABLE scoring.account_state');
  }
}
