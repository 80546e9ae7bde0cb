import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ScoreChanged, TelemetryEvent } from '@bellwether/contracts';
import { TransientError } from '@bellwether/kafka';
import { type OutboxMessage, outboxInsertSql, outboxRowOf } from '@bellwether/platform';
import type { StoredAccount } from '@bellwether/scoring-domain';
import { SCORING_SCHEMA } from '../migrations';
import { scoreHistoryInsertSql, scoreHistoryRowOf } from './score-history.statements';

/** A row of `scoring.account_state` as `ACCOUNT_COLUMNS` selects it. */
export interface AccountRow {
  account_id: string;
  state: StoredAccount['state'];
  snapshot: StoredAccount['snapshot'];
  drivers: StoredAccount['drivers'];
  sequence: number;
  evaluated_as_of: Date | null;
  closed_through: Date | null;
}

/** The columns `storedAccountOf` reads. */
export const ACCOUNT_COLUMNS = 'account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through';

/** An account row as the domain keeps it between batches (instants as ISO-8601). */
export function storedAccountOf(row: AccountRow): StoredAccount {
  return {
    state: row.state,
    snapshot: row.snapshot,
    drivers: row.drivers,
    sequence: row.sequence,
    evaluatedAsOf: row.evaluated_as_of ? row.evaluated_as_of.toISOString() : null,
    closedThrough: row.closed_through ? row.closed_through.toISOString() : null,
  };
}

/** What one batch (of events, or of a day-roll) writes in its one statement (`writeScores`). */
export interface ScoreWrite {
  /** The accounts as they are to be stored (upserted). */
  readonly accounts: ReadonlyMap<string, StoredAccount>;
  /** Score changes for the history, in order. */
  readonly changes: readonly ScoreChanged[];
  /** Outbox messages, in order (the changes' messages, then any other). */
  readonly messages: readonly OutboxMessage[];
  /** An events partition's newest event time to move forward (events batches only). */
  readonly partitionWatermark?: { readonly partition: number; readonly watermark: string };
  /**
   * The accounts of `accounts` that had no row when the batch read them (`claimAndLock`): they are
   * only inserted, never made to overwrite a row (see `writeScores`).
   */
  readonly created?: ReadonlySet<string>;
}

/** The account row of `writeScores`'s JSON document (instants as ISO-8601). */
function accountRowOf(accountId: string, stored: StoredAccount): Record<string, unknown> {
  return {
    account_id: accountId,
    state: stored.state,
    snapshot: stored.snapshot,
    drivers: stored.drivers,
    sequence: stored.sequence,
    evaluated_as_of: stored.evaluatedAsOf,
    closed_through: stored.closedThrough,
  };
}

/**
 * Account state: the accounts' stored state and the event ids they were built from. Every
 * statement runs in the caller's transaction (`manager`) and is parameterized and set-based: a
 * batch reads with one statement (`claimAndLock`) and writes with one (`writeScores`), its rows
 * passed as one JSON document (`jsonb_to_recordset`). Claims and state writes go in one
 * transaction: that is the exactly-once effect.
 */
@Injectable()
export class AccountStateRepository {
  /**
   * In one statement: records the event ids (`events`: first copies) and returns those not seen
   * before (the ones to apply), with the stored rows of the accounts those claimed events belong
   * to, row-locked in account id order (concurrent batches of a rebalanced partition serialize and
   * never deadlock). An account without a row is a new one.
   */
  async claimAndLock(manager: EntityManager, events: readonly TelemetryEvent[]): Promise<{ claimed: Set<string>; stored: Map<string, StoredAccount> }> {
    if (events.length === 0) return { claimed: new Set(), stored: new Map() };
    const rows = (await manager.query(
      `WITH claimed AS (
         INSERT INTO scoring.processed_events (event_id, account_id)
         SELECT event_id, account_id FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, account_id text)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id, account_id
       ), locked AS (
         SELECT ${ACCOUNT_COLUMNS} FROM scoring.account_state
         WHERE account_id IN (SELECT account_id FROM claimed) ORDER BY account_id FOR UPDATE
       )
       SELECT event_id, NULL::text AS account_id, NULL::jsonb AS state, NULL::jsonb AS snapshot, NULL::jsonb AS drivers, NULL::int AS sequence,
         NULL::timestamptz AS evaluated_as_of, NULL::timestamptz AS closed_through FROM claimed
       UNION ALL
       SELECT NULL, ${ACCOUNT_COLUMNS} FROM locked`,
      [JSON.stringify(events.map((event) => ({ event_id: event.id, account_id: event.accountId })))],
    )) as (AccountRow & { event_id: string | null })[];
    const claimed = new Set<string>();
    const stored = new Map<string, StoredAccount>();
    for (const row of rows) {
      if (row.event_id !== null) claimed.add(row.event_id);
      else stored.set(row.account_id, storedAccountOf(row));
    }
    return { claimed, stored };
  }

  /** The next chunk of accounts after `cursor` (by id) not closed through `boundary`, locked, for the day-roll. */
  async lockAccountsToClose(manager: EntityManager, cursor: string | null, boundary: string, limit: number): Promise<Map<string, StoredAccount>> {
    const rows = (await manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM scoring.account_state
       WHERE account_id > $1 AND (closed_through IS NULL OR closed_through < $2) ORDER BY account_id LIMIT $3 FOR UPDATE`,
      [cursor ?? '', boundary, limit],
    )) as AccountRow[];
    return new Map(rows.map((row) => [row.account_id, storedAccountOf(row)]));
  }

  /** The next `limit` accounts after `cursor` (account id order), locked: a chunk of a re-score. */
  async lockAccountsAfter(manager: EntityManager, cursor: string | null, limit: number): Promise<Map<string, StoredAccount>> {
    const rows = (await manager.query(`SELECT ${ACCOUNT_COLUMNS} FROM scoring.account_state WHERE account_id > $1 ORDER BY account_id LIMIT $2 FOR UPDATE`, [cursor ?? '', limit])) as AccountRow[];
    return new Map(rows.map((row) => [row.account_id, storedAccountOf(row)]));
  }

  /**
   * In one statement: upserts the accounts (state, snapshot, drivers, sequence, closed days),
   * appends the changes to the score history, adds the messages to the outbox and moves the
   * partition's watermark forward only. Returns the outbox rows' ids, in message order (for
   * `OutboxRelay.publishCommitted` once the transaction committed). Nothing to write: no statement.
   *
   * An account of `write.created` (no row when the batch read it) that has a row by now was
   * inserted by a batch that committed after this statement's claim-and-lock took its snapshot
   * (two consumers of one partition during a rebalance: the claim waits for the other's claims,
   * but its lock read cannot see a row that was not there at the statement's start). Its state was
   * built from nothing and would overwrite the other batch's: the write throws a `TransientError`
   * instead, the transaction rolls back and the retried batch reads the row.
   */
  async writeScores(manager: EntityManager, write: ScoreWrite): Promise<string[]> {
    if (write.accounts.size === 0 && write.changes.length === 0 && write.messages.length === 0 && !write.partitionWatermark) return [];
    const document = {
      accounts: [...write.accounts].map(([accountId, stored]) => accountRowOf(accountId, stored)),
      history: write.changes.map(scoreHistoryRowOf),
      outbox: write.messages.map(outboxRowOf),
      watermarks: write.partitionWatermark ? [write.partitionWatermark] : [],
      created: [...(write.created ?? [])],
    };
    const doc = (field: string) => `(SELECT d FROM doc)->'${field}'`;
    const rows = (await manager.query(
      `WITH doc AS (SELECT $1::jsonb AS d),
       saved AS (
         INSERT INTO scoring.account_state (account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, updated_at)
         SELECT account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, now()
         FROM jsonb_to_recordset(${doc('accounts')})
           AS a(account_id text, state jsonb, snapshot jsonb, drivers jsonb, sequence int, evaluated_as_of timestamptz, closed_through timestamptz)
         ON CONFLICT (account_id) DO UPDATE SET
           state = EXCLUDED.state, snapshot = EXCLUDED.snapshot, drivers = EXCLUDED.drivers, sequence = EXCLUDED.sequence,
           evaluated_as_of = EXCLUDED.evaluated_as_of, closed_through = EXCLUDED.closed_through, updated_at = now()
         -- A created account never overwrites a row: it is not returned, and the write throws.
         WHERE scoring.account_state.account_id NOT IN (SELECT jsonb_array_elements_text(${doc('created')}))
         RETURNING account_id
       ),
       history AS (${scoreHistoryInsertSql(doc('history'))}),
       outboxed AS (${outboxInsertSql(SCORING_SCHEMA, doc('outbox'))}),
       watermark AS (
         INSERT INTO scoring.partition_watermarks (partition, watermark)
         SELECT partition, watermark FROM jsonb_to_recordset(${doc('watermarks')}) AS w(partition int, watermark timestamptz)
         ON CONFLICT (partition) DO UPDATE SET watermark = GREATEST(scoring.partition_watermarks.watermark, EXCLUDED.watermark)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM saved)::int AS saved, ARRAY(SELECT id::text FROM outboxed ORDER BY id) AS ids`,
      [JSON.stringify(document)],
    )) as { saved: number; ids: string[] }[];
    const [{ saved, ids }] = rows;
    if (saved < document.accounts.length) {
      throw new TransientError(`${document.accounts.length - saved} new account(s) of the batch were inserted by a concurrent batch; retrying with their rows`);
    }
    return ids;
  }
}
