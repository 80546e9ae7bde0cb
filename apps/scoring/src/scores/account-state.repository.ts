import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TelemetryEvent } from '@bellwether/contracts';
import type { StoredAccount } from '@bellwether/scoring-domain';

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

/**
 * Account state: the accounts' stored state and the event ids they were built from. Every
 * statement runs in the caller's transaction (`manager`), is parameterized and set-based (one per
 * batch). Claims and state writes go in one transaction: that is the exactly-once effect.
 */
@Injectable()
export class AccountStateRepository {
  /** Records event ids; returns those not seen before (the ones to apply). */
  async claimEvents(manager: EntityManager, events: readonly TelemetryEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = (await manager.query(
      `INSERT INTO scoring.processed_events (event_id, account_id)
       SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [events.map((event) => event.id), events.map((event) => event.accountId)],
    )) as { event_id: string }[];
    return new Set(rows.map((row) => row.event_id));
  }

  /** Loads and row-locks the accounts, so concurrent consumers of a rebalanced partition serialize. */
  async lockAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    const rows = (await manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM scoring.account_state
       WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`,
      [accountIds],
    )) as AccountRow[];
    return new Map(rows.map((row) => [row.account_id, storedAccountOf(row)]));
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

  /** Upserts the accounts' state, snapshot, drivers, sequence and closed days (one statement). */
  async saveAccounts(manager: EntityManager, accounts: ReadonlyMap<string, StoredAccount>): Promise<void> {
    if (accounts.size === 0) return;
    const entries = [...accounts];
    await manager.query(
      `INSERT INTO scoring.account_state (account_id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, updated_at)
       SELECT id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through, now()
       FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::jsonb[], $5::int[], $6::timestamptz[], $7::timestamptz[])
         AS t(id, state, snapshot, drivers, sequence, evaluated_as_of, closed_through)
       ON CONFLICT (account_id) DO UPDATE SET
         state = EXCLUDED.state, snapshot = EXCLUDED.snapshot, drivers = EXCLUDED.drivers, sequence = EXCLUDED.sequence,
         evaluated_as_of = EXCLUDED.evaluated_as_of, closed_through = EXCLUDED.closed_through, updated_at = now()`,
      [
        entries.map(([id]) => id),
        entries.map(([, stored]) => JSON.stringify(stored.state)),
        entries.map(([, stored]) => (stored.snapshot ? JSON.stringify(stored.snapshot) : null)),
        entries.map(([, stored]) => (stored.drivers ? JSON.stringify(stored.drivers) : null)),
        entries.map(([, stored]) => stored.sequence),
        entries.map(([, stored]) => stored.evaluatedAsOf),
        entries.map(([, stored]) => stored.closedThrough),
      ],
    );
  }
}
