import type { EntityManager } from 'typeorm';
import type { ScoreChanged, TelemetryEvent } from '@bellwether/contracts';
import type { StoredAccount } from '@bellwether/scoring-domain';

interface AccountRow {
  account_id: string;
  state: StoredAccount['state'];
  snapshot: StoredAccount['snapshot'];
  drivers: StoredAccount['drivers'];
  sequence: number;
}

/** SQL of the scoring schema; every statement is parameterized and set-based (one per batch). */
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
      `SELECT account_id, state, snapshot, drivers, sequence FROM scoring.account_state
       WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`,
      [accountIds],
    )) as AccountRow[];
    return new Map(rows.map((row) => [row.account_id, { state: row.state, snapshot: row.snapshot, drivers: row.drivers, sequence: row.sequence }]));
  }

  async saveAccounts(manager: EntityManager, accounts: ReadonlyMap<string, StoredAccount>): Promise<void> {
    if (accounts.size === 0) return;
    const entries = [...accounts];
    await manager.query(
      `INSERT INTO scoring.account_state (account_id, state, snapshot, drivers, sequence, updated_at)
       SELECT id, state, snapshot, drivers, sequence, now()
       FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::jsonb[], $5::int[]) AS t(id, state, snapshot, drivers, sequence)
       ON CONFLICT (account_id) DO UPDATE SET
         state = EXCLUDED.state, snapshot = EXCLUDED.snapshot, drivers = EXCLUDED.drivers,
         sequence = EXCLUDED.sequence, updated_at = now()`,
      [
        entries.map(([id]) => id),
        entries.map(([, stored]) => JSON.stringify(stored.state)),
        entries.map(([, stored]) => (stored.snapshot ? JSON.stringify(stored.snapshot) : null)),
        entries.map(([, stored]) => (stored.drivers ? JSON.stringify(stored.drivers) : null)),
        entries.map(([, stored]) => stored.sequence),
      ],
    );
  }

  async appendHistory(manager: EntityManager, changes: readonly ScoreChanged[]): Promise<void> {
    if (changes.length === 0) return;
    await manager.query(
      `INSERT INTO scoring.score_history (account_id, sequence, event_time, health, band, churn_risk, segment, stage, drivers, reasons, cause)
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::smallint[], $5::text[], $6::real[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[], $11::jsonb[])`,
      [
        changes.map((change) => change.accountId),
        changes.map((change) => change.sequence),
        changes.map((change) => change.eventTime),
        changes.map((change) => change.after.health),
        changes.map((change) => change.after.band),
        changes.map((change) => change.after.churnRisk),
        changes.map((change) => change.after.segment),
        changes.map((change) => change.after.stage),
        changes.map((change) => JSON.stringify(change.drivers)),
        changes.map((change) => JSON.stringify(change.reasons)),
        changes.map((change) => JSON.stringify(change.cause)),
      ],
    );
  }
}
