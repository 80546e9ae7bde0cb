import type { DataSource, EntityManager } from 'typeorm';

/** One admin change: who (the key id), what (action, subject), and the entry before and after. */
export interface AuditEntry {
  readonly actorKeyId: string;
  /** e.g. `directory.csm.put`, `account.ownership.patch`, `scorecard.activate`. */
  readonly action: string;
  /** What changed: `csm:<id>`, `team:<team>`, `account:<id>`, `scorecard:<version>`. */
  readonly subject: string;
  /** The entry before the change (null: it did not exist). */
  readonly before: unknown;
  /** The entry after the change (null: it was removed). */
  readonly after: unknown;
}

/** An audit entry as stored: its id (ascending in commit order of the insert) and when (ISO-8601). */
export interface StoredAuditEntry extends AuditEntry {
  readonly id: number;
  /** ISO-8601. */
  readonly at: string;
}

/** DDL of a service's `admin_audit` table, for that service's migration (as `outboxTableDdl`). */
export function adminAuditTableDdl(schema: string): { up: string[]; down: string[] } {
  return {
    up: [
      `CREATE TABLE "${schema}".admin_audit (
         id bigserial PRIMARY KEY,
         at timestamptz NOT NULL DEFAULT now(),
         actor_key_id text NOT NULL,
         action text NOT NULL,
         subject text NOT NULL,
         before jsonb,
         after jsonb
       )`,
      `CREATE INDEX admin_audit_subject ON "${schema}".admin_audit (subject, at)`,
    ],
    down: [`DROP TABLE "${schema}".admin_audit`],
  };
}

/**
 * The audit log of a service's admin changes, in `<schema>.admin_audit` (`adminAuditTableDdl`):
 * `record` writes one in the caller's transaction, so a change and its audit commit together;
 * `read` lists them newest first. Each service provides one for its own schema.
 */
export class AdminAuditLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /** Records an admin change in the caller's transaction (`manager`). */
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager.query(`INSERT INTO "${this.schema}".admin_audit (actor_key_id, action, subject, before, after) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)`, [
      entry.actorKeyId,
      entry.action,
      entry.subject,
      entry.before === null || entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === null || entry.after === undefined ? null : JSON.stringify(entry.after),
    ]);
  }

  /** The newest audit entries first, at most `limit`, optionally of one subject. */
  async read(limit: number, subject?: string): Promise<StoredAuditEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, at, actor_key_id, action, subject, before, after FROM "${this.schema}".admin_audit
       WHERE ($2::text IS NULL OR subject = $2) ORDER BY id DESC LIMIT $1`,
      [limit, subject ?? null],
    )) as { id: string; at: Date; actor_key_id: string; action: string; subject: string; before: unknown; after: unknown }[];
    return rows.map((row) => ({ id: Number(row.id), at: row.at.toISOString(), actorKeyId: row.actor_key_id, action: row.action, subject: row.subject, before: row.before, after: row.after }));
  }
}
