import type { DataSource, EntityManager } from 'typeorm';
import type { ConfigActivation, ConfigVersion, ConfigVersionStatus } from './config-lifecycle';

/**
 * DDL of a service's versioned configuration, for that service's migration (as `outboxTableDdl`):
 * `config_versions` (one row per kind and version; a trigger refuses any change of `body`, `kind`
 * or `version`, so a version is immutable data) and `config_activations` (every activation and
 * rollback, oldest first, for the rollback rule).
 */
export function configVersionsTableDdl(schema: string): { up: string[]; down: string[] } {
  return {
    up: [
      `CREATE TABLE "${schema}".config_versions (
         kind text NOT NULL,
         version text NOT NULL,
         body jsonb NOT NULL,
         status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'retired')),
         created_by text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         activated_at timestamptz,
         effective_from timestamptz,
         PRIMARY KEY (kind, version)
       )`,
      // At most one active version per kind.
      `CREATE UNIQUE INDEX config_versions_one_active ON "${schema}".config_versions (kind) WHERE status = 'active'`,
      `CREATE FUNCTION "${schema}".config_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.body IS DISTINCT FROM OLD.body OR NEW.kind <> OLD.kind OR NEW.version <> OLD.version OR NEW.created_by <> OLD.created_by OR NEW.created_at <> OLD.created_at THEN
           RAISE EXCEPTION 'config version %/% is immutable: create a new version', OLD.kind, OLD.version;
         END IF;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER config_versions_immutable BEFORE UPDATE ON "${schema}".config_versions FOR EACH ROW EXECUTE FUNCTION "${schema}".config_versions_immutable()`,
      `CREATE TABLE "${schema}".config_activations (
         id bigserial PRIMARY KEY,
         kind text NOT NULL,
         version text NOT NULL,
         action text NOT NULL CHECK (action IN ('activate', 'rollback')),
         activated_by text NOT NULL,
         activated_at timestamptz NOT NULL,
         effective_from timestamptz NOT NULL,
         FOREIGN KEY (kind, version) REFERENCES "${schema}".config_versions (kind, version)
       )`,
      `CREATE INDEX config_activations_kind ON "${schema}".config_activations (kind, id)`,
    ],
    down: [`DROP TABLE "${schema}".config_activations`, `DROP TABLE "${schema}".config_versions`, `DROP FUNCTION "${schema}".config_versions_immutable()`],
  };
}

interface VersionRow {
  kind: string;
  version: string;
  body: unknown;
  status: ConfigVersionStatus;
  created_by: string;
  created_at: Date;
  activated_at: Date | null;
  effective_from: Date | null;
}

const versionColumns = 'kind, version, body, status, created_by, created_at, activated_at, effective_from';

/**
 * SQL of a service's versioned configuration (`configVersionsTableDdl`), one store per schema.
 * Writes take the caller's transaction; `lockKind` serializes the changes of one kind (a
 * transaction-scoped advisory lock), so two activations never both retire the same version.
 */
export class ConfigVersionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /** Holds the kind's change lock to the end of the caller's transaction. */
  async lockKind(manager: EntityManager, kind: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.config:${kind}`]);
  }

  /** Every version of `kind`, newest first. */
  async list(kind: string, manager?: EntityManager): Promise<ConfigVersion[]> {
    const rows = (await (manager ?? this.dataSource).query(`SELECT ${versionColumns} FROM "${this.schema}".config_versions WHERE kind = $1 ORDER BY created_at DESC, version DESC`, [kind])) as VersionRow[];
    return rows.map(versionOf);
  }

  async find(kind: string, version: string): Promise<ConfigVersion | null> {
    const rows = (await this.dataSource.query(`SELECT ${versionColumns} FROM "${this.schema}".config_versions WHERE kind = $1 AND version = $2`, [kind, version])) as VersionRow[];
    return rows[0] ? versionOf(rows[0]) : null;
  }

  /** Stores a new draft; null when the kind already has that version (nothing stored). */
  async insertDraft(manager: EntityManager, draft: { kind: string; version: string; body: unknown; createdBy: string; createdAt: string }): Promise<ConfigVersion | null> {
    const rows = (await manager.query(
      `INSERT INTO "${this.schema}".config_versions (kind, version, body, created_by, created_at) VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (kind, version) DO NOTHING RETURNING ${versionColumns}`,
      [draft.kind, draft.version, JSON.stringify(draft.body), draft.createdBy, draft.createdAt],
    )) as VersionRow[];
    return rows[0] ? versionOf(rows[0]) : null;
  }

  /** Every activation and rollback of `kind`, oldest first. */
  async activations(manager: EntityManager, kind: string): Promise<ConfigActivation[]> {
    const rows = (await manager.query(
      `SELECT id, kind, version, action, activated_by, activated_at, effective_from FROM "${this.schema}".config_activations WHERE kind = $1 ORDER BY id`,
      [kind],
    )) as { id: string; kind: string; version: string; action: 'activate' | 'rollback'; activated_by: string; activated_at: Date; effective_from: Date }[];
    return rows.map((row) => ({
      id: Number(row.id),
      kind: row.kind,
      version: row.version,
      action: row.action,
      activatedBy: row.activated_by,
      activatedAt: row.activated_at.toISOString(),
      effectiveFrom: row.effective_from.toISOString(),
    }));
  }

  /**
   * Retires `retire` (if any), makes `activation.version` active, and records the activation, in
   * the caller's transaction (which holds `lockKind`). Returns the version as it is now stored.
   */
  async activate(manager: EntityManager, activation: Omit<ConfigActivation, 'id'>, retire: string | null): Promise<ConfigVersion> {
    if (retire !== null) await manager.query(`UPDATE "${this.schema}".config_versions SET status = 'retired' WHERE kind = $1 AND version = $2`, [activation.kind, retire]);
    const rows = (await manager.query(
      `UPDATE "${this.schema}".config_versions SET status = 'active', activated_at = $3, effective_from = $4 WHERE kind = $1 AND version = $2 RETURNING ${versionColumns}`,
      [activation.kind, activation.version, activation.activatedAt, activation.effectiveFrom],
    )) as [VersionRow[], number];
    await manager.query(`INSERT INTO "${this.schema}".config_activations (kind, version, action, activated_by, activated_at, effective_from) VALUES ($1, $2, $3, $4, $5, $6)`, [
      activation.kind,
      activation.version,
      activation.action,
      activation.activatedBy,
      activation.activatedAt,
      activation.effectiveFrom,
    ]);
    const updated = rows[0][0];
    if (!updated) throw new Error(`no ${activation.kind} version ${activation.version} to activate`);
    return versionOf(updated);
  }
}

function versionOf(row: VersionRow): ConfigVersion {
  return {
    kind: row.kind,
    version: row.version,
    body: row.body,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    activatedAt: row.activated_at?.toISOString() ?? null,
    effectiveFrom: row.effective_from?.toISOString() ?? null,
  };
}
