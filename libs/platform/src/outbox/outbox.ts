import type { EntityManager } from 'typeorm';

/** A message written in the same transaction as the state change it announces. */
export interface OutboxMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly payload: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** DDL of a service's outbox, for that service's migration. */
export function outboxTableDdl(schema: string): { up: string[]; down: string[] } {
  return {
    up: [
      `CREATE TABLE "${schema}".outbox (
         id bigserial PRIMARY KEY,
         topic text NOT NULL,
         key text,
         payload jsonb NOT NULL,
         headers jsonb NOT NULL DEFAULT '{}'::jsonb,
         created_at timestamptz NOT NULL DEFAULT now(),
         published_at timestamptz
       )`,
      `CREATE INDEX outbox_unpublished_idx ON "${schema}".outbox (id) WHERE published_at IS NULL`,
      `CREATE INDEX outbox_published_at_idx ON "${schema}".outbox (published_at) WHERE published_at IS NOT NULL`,
    ],
    down: [`DROP TABLE "${schema}".outbox`],
  };
}

/** Extra DDL of an outbox whose relay publishes directly after commit (`OutboxRelay.publishCommitted`): the unpublished rows of a key, by id. */
export function outboxKeyIndexDdl(schema: string): { up: string[]; down: string[] } {
  return {
    up: [`CREATE INDEX outbox_unpublished_key_idx ON "${schema}".outbox (key, id) WHERE published_at IS NULL`],
    down: [`DROP INDEX "${schema}".outbox_unpublished_key_idx`],
  };
}

/** One message as an element of the JSON array `outboxInsertSql` reads (headers default to none). */
export function outboxRowOf(message: OutboxMessage): { topic: string; key: string | null; payload: unknown; headers: Readonly<Record<string, string>> } {
  return { topic: message.topic, key: message.key, payload: message.payload, headers: message.headers ?? {} };
}

/**
 * An INSERT into `<schema>.outbox` of the rows of `rowsJson` (an SQL expression of a jsonb array
 * of `outboxRowOf` elements), in array order, `RETURNING id`: for a CTE of a service's one
 * set-based write statement. Ids ascend in array order.
 */
export function outboxInsertSql(schema: string, rowsJson: string): string {
  return `INSERT INTO "${schema}".outbox (topic, key, payload, headers)
     SELECT topic, key, payload, COALESCE(headers, '{}'::jsonb)
     FROM ROWS FROM (jsonb_to_recordset(${rowsJson}) AS (topic text, key text, payload jsonb, headers jsonb)) WITH ORDINALITY AS m(topic, key, payload, headers, n)
     ORDER BY n
     RETURNING id`;
}

/** Rows a transaction just put in the outbox: their ids (from the INSERT, ascending) and messages, index for index. */
export interface CommittedOutboxRows {
  readonly ids: readonly string[];
  readonly messages: readonly OutboxMessage[];
}

/**
 * Adds messages to `<schema>.outbox` inside the caller's transaction (one statement) and returns
 * their rows, for `OutboxRelay.publishCommitted` once the transaction committed: for a message
 * that should not wait for the relay's sweep (`OUTBOX_SWEEP_AFTER_MS`), such as a configuration
 * activation every replica must read at once.
 */
export async function enqueueOutboxReturning(manager: EntityManager, schema: string, messages: readonly OutboxMessage[]): Promise<CommittedOutboxRows> {
  if (messages.length === 0) return { ids: [], messages: [] };
  const rows = (await manager.query(outboxInsertSql(schema, '$1::jsonb'), [JSON.stringify(messages.map(outboxRowOf))])) as { id: string | number }[];
  return { ids: rows.map((row) => String(row.id)), messages };
}

/** Adds messages to the outbox inside the caller's transaction (one statement for the batch). */
export async function enqueueOutbox(manager: EntityManager, schema: string, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await manager.query(
    `INSERT INTO "${schema}".outbox (topic, key, payload, headers)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])`,
    [
      messages.map((message) => message.topic),
      messages.map((message) => message.key),
      messages.map((message) => JSON.stringify(message.payload)),
      messages.map((message) => JSON.stringify(message.headers ?? {})),
    ],
  );
}

/**
 * The service's outbox, as repositories and services write to it: `enqueue` adds messages, in
 * order, inside the caller's transaction (nothing for none); the relay publishes them in id order.
 * Abstract, so orchestration tests hand in a fake; `OutboxRelayModule` provides `SchemaOutbox`
 * for the service's schema.
 */
export abstract class Outbox {
  abstract enqueue(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<void>;
}

/** `Outbox` on `<schema>.outbox` (`enqueueOutbox`). */
export class SchemaOutbox extends Outbox {
  constructor(private readonly schema: string) {
    super();
  }

  enqueue(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<void> {
    return enqueueOutbox(manager, this.schema, messages);
  }
}
