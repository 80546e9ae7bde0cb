import type { EntityManager } from 'typeorm';
import { testEnvironment, waitFor } from '@bellwether/testing';
import { ACCOUNT_LOCK_STRIPES, lockAccount, lockAccounts } from './account-locks';
import { createServiceDataSource } from './data-source.factory';

// The account locks on a real Postgres: a batch of many accounts holds a bounded number of advisory
// locks (one per account ran out of the shared lock table), the one-account lock is the batch's key,
// and batches sharing accounts, given in opposite orders, wait for each other instead of deadlocking.

const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: 'public', entities: [], migrations: [], applicationName: 'it-account-locks', poolSize: 3 });
/** Watches the others' backends from a connection of its own. */
const observer = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: 'public', entities: [], migrations: [], applicationName: 'it-account-locks-observer', poolSize: 1 });

/** The advisory locks the transaction's backend holds. */
async function advisoryLocksHeld(manager: EntityManager): Promise<number> {
  const [row] = (await manager.query(`SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted`)) as { held: number }[];
  return row?.held ?? 0;
}

const accounts = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('account locks, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await observer.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await observer.destroy();
  });

  it('a batch of 5,000 accounts takes at most ACCOUNT_LOCK_STRIPES advisory locks, and one account’s lock is a key the batch holds already', async () => {
    const accountIds = accounts('acc-stripes', 5_000);
    await dataSource.transaction(async (manager) => {
      await lockAccounts(manager, 'it-locks', accountIds);
      const held = await advisoryLocksHeld(manager);
      expect(held).toBeGreaterThan(900);
      expect(held).toBeLessThanOrEqual(ACCOUNT_LOCK_STRIPES);

      for (const accountId of accountIds.slice(0, 50)) await lockAccount(manager, 'it-locks', accountId);
      expect(await advisoryLocksHeld(manager)).toBe(held);
      // Another namespace is another key space.
      await lockAccount(manager, 'it-locks-other', accountIds[0] ?? '');
      expect(await advisoryLocksHeld(manager)).toBe(held + 1);
    });
  });

  it('takes no lock for no account', async () => {
    await dataSource.transaction(async (manager) => {
      await lockAccounts(manager, 'it-locks', []);
      expect(await advisoryLocksHeld(manager)).toBe(0);
    });
  });

  it('two transactions locking overlapping account sets in opposite orders both commit, none deadlocks', async () => {
    const [a, middle, z] = ['acc-order-a', 'acc-order-m', 'acc-order-z'];
    const stripes = (await dataSource.query('SELECT DISTINCT hashtext(x) & $2::int AS s FROM unnest($1::text[]) AS x', [[a, middle, z], ACCOUNT_LOCK_STRIPES - 1])) as unknown[];
    expect(stripes).toHaveLength(3);
    // A gate holds the middle account, so both batches are mid-statement at once: taken in the
    // order given, the first would hold a and the second z, each waiting for the other once the
    // gate is gone.
    let openGate = (): void => undefined;
    const gateOpen = new Promise<void>((resolve) => (openGate = resolve));
    let gateHeld = (): void => undefined;
    const gateTaken = new Promise<void>((resolve) => (gateHeld = resolve));
    const gate = dataSource.transaction(async (manager) => {
      await lockAccount(manager, 'it-order', middle);
      gateHeld();
      await gateOpen;
    });
    await gateTaken;
    const batches = [
      [a, middle, z],
      [z, middle, a],
    ].map((accountIds) => dataSource.transaction((manager) => lockAccounts(manager, 'it-order', accountIds)).then(() => 'committed', (error: unknown) => String(error)));
    await waitFor(
      async () => {
        const [row] = (await observer.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE application_name = 'it-account-locks' AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        )) as { waiting: number }[];
        return row?.waiting === 2;
      },
      { description: 'both batches waiting for their account locks', timeoutMs: 10_000 },
    );
    openGate();
    await gate;
    expect(await Promise.all(batches)).toEqual(['committed', 'committed']);
  });
});
