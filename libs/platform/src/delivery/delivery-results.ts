import type { EntityManager } from 'typeorm';
import type { ClaimedDelivery } from './webhook-delivery-worker';

/** What runs a statement: the data source, or a transaction's `EntityManager`. */
type Queryable = Pick<EntityManager, 'query'>;

/**
 * The lease-guarded result writes of one delivery table (alerting's `webhook_deliveries`,
 * playbook's `deliveries`): each is one `UPDATE … WHERE <id> = $1 AND claimed_until = <the
 * claim's lease>`, so a claimer whose lease ran out and was taken over changes nothing. Each
 * answers whether it changed the row (the claim still held it). The table needs the columns
 * `status`, `attempts`, `last_error`, `next_attempt_at` and `claimed_until`.
 */
export class DeliveryResults {
  /**
   * @param table the schema-qualified table, from code (never from input): `alerting.webhook_deliveries`
   * @param idColumn its key column, matched against `ClaimedDelivery.id`
   */
  constructor(
    private readonly table: string,
    private readonly idColumn: string,
  ) {}

  /** Delivered after `attempts` attempts. */
  delivered(db: Queryable, delivery: ClaimedDelivery, attempts: number): Promise<boolean> {
    return this.update(db, `status = 'delivered', attempts = $3, last_error = NULL`, delivery, [attempts]);
  }

  /** Back to pending, due at `nextAttemptAt`, lease released. */
  retry(db: Queryable, delivery: ClaimedDelivery, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean> {
    return this.update(db, `attempts = $3, last_error = $4, next_attempt_at = $5`, delivery, [attempts, error, nextAttemptAt]);
  }

  /** Given up after the last attempt. */
  failed(db: Queryable, delivery: ClaimedDelivery, attempts: number, error: string): Promise<boolean> {
    return this.update(db, `status = 'failed', attempts = $3, last_error = $4`, delivery, [attempts, error]);
  }

  /** Not sent at all, with the reason. */
  skipped(db: Queryable, delivery: ClaimedDelivery, reason: string): Promise<boolean> {
    return this.update(db, `status = 'skipped', last_error = $3`, delivery, [reason]);
  }

  private async update(db: Queryable, assignments: string, delivery: ClaimedDelivery, values: readonly unknown[]): Promise<boolean> {
    // Wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count].
    const rows = (await db.query(
      `WITH recorded AS (
         UPDATE ${this.table} SET ${assignments}, claimed_until = NULL WHERE ${this.idColumn} = $1 AND claimed_until = $2 RETURNING 1
       ) SELECT count(*)::int AS n FROM recorded`,
      [delivery.id, delivery.claimedUntil, ...values],
    )) as { n: number }[];
    return (rows[0]?.n ?? 0) > 0;
  }
}
