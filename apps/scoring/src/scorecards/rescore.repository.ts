import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** One re-score of all accounts (`scoring.rescores`). Times are ISO-8601. */
export interface Rescore {
  readonly id: string;
  /** The scorecard it applies: the active version when it was asked for. */
  readonly scorecardVersion: string;
  /** The event time it scores as of (each account's own later evaluation wins). */
  readonly asOf: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  /** The last account id done (null: none yet). */
  readonly cursor: string | null;
  readonly accounts: number;
  readonly changes: number;
  readonly finishedAt: string | null;
}

interface RescoreRow {
  id: string;
  scorecard_version: string;
  as_of: Date;
  requested_by: string;
  requested_at: Date;
  cursor: string | null;
  accounts: number;
  changes: number;
  finished_at: Date | null;
}

const columns = 'id, scorecard_version, as_of, requested_by, requested_at, cursor, accounts, changes, finished_at';

/** SQL of `scoring.rescores`. */
@Injectable()
export class RescoreRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async create(manager: EntityManager, request: Pick<Rescore, 'scorecardVersion' | 'asOf' | 'requestedBy' | 'requestedAt'>): Promise<Rescore> {
    const rows = (await manager.query(`INSERT INTO scoring.rescores (scorecard_version, as_of, requested_by, requested_at) VALUES ($1, $2, $3, $4) RETURNING ${columns}`, [
      request.scorecardVersion,
      request.asOf,
      request.requestedBy,
      request.requestedAt,
    ])) as RescoreRow[];
    return rescoreOf(rows[0] as RescoreRow);
  }

  async find(id: string): Promise<Rescore | null> {
    const rows = (await this.dataSource.query(`SELECT ${columns} FROM scoring.rescores WHERE id = $1`, [id])) as RescoreRow[];
    return rows[0] ? rescoreOf(rows[0]) : null;
  }

  /** The oldest unfinished re-score, its row locked to the end of the transaction (another replica skips it). */
  async lockNextUnfinished(manager: EntityManager): Promise<Rescore | null> {
    const rows = (await manager.query(`SELECT ${columns} FROM scoring.rescores WHERE finished_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`)) as RescoreRow[];
    return rows[0] ? rescoreOf(rows[0]) : null;
  }

  /** Stores a chunk's progress: the last account id done, the counts added, and the end when `finished`. */
  async saveProgress(manager: EntityManager, id: string, progress: { cursor: string | null; accounts: number; changes: number; finishedAt: string | null }): Promise<void> {
    await manager.query('UPDATE scoring.rescores SET cursor = COALESCE($2, cursor), accounts = accounts + $3, changes = changes + $4, finished_at = $5 WHERE id = $1', [
      id,
      progress.cursor,
      progress.accounts,
      progress.changes,
      progress.finishedAt,
    ]);
  }
}

function rescoreOf(row: RescoreRow): Rescore {
  return {
    id: String(row.id),
    scorecardVersion: row.scorecard_version,
    asOf: row.as_of.toISOString(),
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    cursor: row.cursor,
    accounts: row.accounts,
    changes: row.changes,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
