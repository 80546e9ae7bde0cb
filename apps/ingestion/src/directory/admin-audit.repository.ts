import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** One admin change: who (the key id), what (action, subject), and the entry before and after. */
export interface AuditEntry {
  readonly actorKeyId: string;
  /** e.g. `directory.csm.put`, `directory.team.delete`, `account.ownership.patch`. */
  readonly action: string;
  /** What changed: `csm:<id>`, `team:<team>`, `account:<id>`. */
  readonly subject: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface StoredAuditEntry extends AuditEntry {
  readonly id: number;
  /** ISO-8601. */
  readonly at: string;
}

/** SQL of `ingestion.admin_audit`: who changed the directory and account ownership. */
@Injectable()
export class AdminAuditRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Records an admin change in the caller's transaction (`manager`). */
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager.query('INSERT INTO ingestion.admin_audit (actor_key_id, action, subject, before, after) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)', [
      entry.actorKeyId,
      entry.action,
      entry.subject,
      entry.before === null ? null : JSON.stringify(entry.before),
      entry.after === null ? null : JSON.stringify(entry.after),
    ]);
  }

  /** The newest audit entries first, at most `limit`, optionally of one subject. */
  async read(limit: number, subject?: string): Promise<StoredAuditEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, at, actor_key_id, action, subject, before, after FROM ingestion.admin_audit
       WHERE ($2::text IS NULL OR subject = $2) ORDER BY id DESC LIMIT $1`,
      [limit, subject ?? null],
    )) as { id: string; at: Date; actor_key_id: string; action: string; subject: string; before: unknown; after: unknown }[];
    return rows.map((row) => ({ id: Number(row.id), at: row.at.toISOString(), actorKeyId: row.actor_key_id, action: row.action, subject: row.subject, before: row.before, after: row.after }));
  }
}
