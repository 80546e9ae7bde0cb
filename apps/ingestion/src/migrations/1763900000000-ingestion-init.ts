import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IngestionInit1763900000000 implements MigrationInterface {
  name = 'IngestionInit1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE ingestion.api_keys (
      id text PRIMARY KEY,
      name text NOT NULL,
      secret_sha256 text NOT NULL,
      scopes text[] NOT NULL,
      csm_id text,
      team text,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz,
      CONSTRAINT api_keys_scopes_known CHECK (scopes <@ ARRAY['ingest','integrator','csm','manager','admin']::text[] AND cardinality(scopes) > 0)
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE ingestion.api_keys');
  }
}
