import type { EntityManager } from 'typeorm';

/**
 * How many advisory locks a namespace's accounts share (a power of two: a stripe is the low bits
 * of the account's hash). Each advisory lock a transaction holds takes a slot in Postgres's shared
 * lock table (`max_locks_per_transaction` × `max_connections`, about 6,400 by default); one lock
 * per account let a batch of many accounts run out of it (`out of shared memory`, SQLSTATE 53200,
 * which the consumers retry as transient: the partition would retry forever). Striping bounds a
 * transaction at 1,024 locks per namespace whatever its batch. The trade-off: accounts share
 * stripes, so two transactions whose accounts merely share a stripe wait for each other too.
 */
export const ACCOUNT_LOCK_STRIPES = 1024;

/**
 * Serializes work on the accounts, within `namespace` (a service's name, e.g. `playbook`), until
 * the caller's transaction ends: one statement taking the two-int advisory lock
 * (`hashtext(namespace)`, `hashtext(accountId) & (ACCOUNT_LOCK_STRIPES - 1)`) of each distinct
 * stripe, in ascending stripe order, so two transactions locking overlapping account sets in any
 * order wait for each other instead of deadlocking. At most `ACCOUNT_LOCK_STRIPES` locks however
 * many accounts; none for an empty list. The two-int key space is apart from the bigint one the
 * other advisory locks use, and the namespace keeps services apart. Blocks while another
 * transaction holds one of the stripes; errors are Postgres's (a deadlock with locks taken in
 * another order, a statement timeout).
 */
export async function lockAccounts(manager: EntityManager, namespace: string, accountIds: readonly string[]): Promise<void> {
  if (accountIds.length === 0) return;
  await manager.query(
    `SELECT count(pg_advisory_xact_lock(hashtext($2), s)) FROM (SELECT DISTINCT hashtext(a) & $3::int AS s FROM unnest($1::text[]) AS a ORDER BY s) AS stripes`,
    [accountIds, namespace, ACCOUNT_LOCK_STRIPES - 1],
  );
}

/**
 * `lockAccounts` for one account: the same key, so a transaction locking one account and a batch
 * locking it among others exclude each other. A caller holding it must not then lock a batch of
 * accounts with stripes below it (take them all in one `lockAccounts` instead).
 */
export async function lockAccount(manager: EntityManager, namespace: string, accountId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($2), hashtext($1) & $3::int)', [accountId, namespace, ACCOUNT_LOCK_STRIPES - 1]);
}
