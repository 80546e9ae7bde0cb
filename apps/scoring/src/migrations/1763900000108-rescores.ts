import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-scores of all accounts with the active scorecard (issue 18 §1), an explicit admin action run
 * in chunks: each row is one request, its progress (the last account id done) stored with every
 * chunk, so a crash resumes where it stopped.
 */
export class Rescores1763900000108 implements MigrationInterface {
  name = 'Rescores1763900000108';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE scoring.rescores (
      id bigserial PRIMARY KEY,
      scorecard_version text NOT NULL,
      as_of timestamptz NOT NULL,
      requested_by text NOT NULL,
      requested_at timestamptz NOT NULL,
      cursor text,
      accounts integer NOT NULL DEFAULT 0,
      changes integer NOT NULL DEFAULT 0,
      finished_at timestamptz
    )`);
    await runner.query('CREATE INDEX rescores_unfinished ON scoring.rescores (id) WHERE finished_at IS NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE scoring.rescores');
  }
}
