import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory (which team each CSM is in, who manages each team), account ownership as the admin
 * API sets it, an audit of every admin change to them, and the `accounts:write` key scope (issue 13).
 */
export class DirectoryAndOwnership1763900000003 implements MigrationInterface {
  name = 'DirectoryAndOwnership1763900000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE ingestion.directory_teams (
      team text PRIMARY KEY,
      managers text[] NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE TABLE ingestion.directory_csms (
      csm_id text PRIMARY KEY,
      team text REFERENCES ingestion.directory_teams (team),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE TABLE ingestion.account_ownership (
      account_id text PRIMARY KEY,
      csm_id text,
      team text,
      tier text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE TABLE ingestion.admin_audit (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_key_id text NOT NULL,
      action text NOT NULL,
      subject text NOT NULL,
      before jsonb,
      after jsonb
    )`);
    await runner.query('CREATE INDEX admin_audit_subject ON ingestion.admin_audit (subject, at)');
    await runner.query('ALTER TABLE ingestion.api_keys DROP CONSTRAINT api_keys_scopes_known');
    await runner.query(
      "ALTER TABLE ingestion.api_keys ADD CONSTRAINT api_keys_scopes_known CHECK (scopes <@ ARRAY['ingest','integrator','csm','manager','admin','accounts:write']::text[] AND cardinality(scopes) > 0)",
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query("DELETE FROM ingestion.api_keys WHERE 'accounts:write' = ANY (scopes)");
    await runner.query('ALTER TABLE ingestion.api_keys DROP CONSTRAINT api_keys_scopes_known');
    await runner.query(
      "ALTER TABLE ingestion.api_keys ADD CONSTRAINT api_keys_scopes_known CHECK (scopes <@ ARRAY['ingest','integrator','csm','manager','admin']::text[] AND cardinality(scopes) > 0)",
    );
    await runner.query('DROP TABLE ingestion.admin_audit');
    await runner.query('DROP TABLE ingestion.account_ownership');
    await runner.query('DROP TABLE ingestion.directory_csms');
    await runner.query('DROP TABLE ingestion.directory_teams');
  }
}
