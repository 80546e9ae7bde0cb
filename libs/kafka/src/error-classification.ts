/**
 * Which handler errors are worth retrying. Pure: it reads only the error's fields (`name`, `code`,
 * `message`, `retriable`, and the `cause` / `driverError` / `errors` it wraps), so it needs none of
 * the clients it knows about (pg, ioredis, kafkajs, TypeORM).
 *
 * - transient: the world failed, not the record. Retrying the same records later can succeed:
 *   a dependency unreachable or restarting, a serialization failure, a deadlock, a lock timeout.
 * - record: anything else. The same records would fail the same way forever (a value Postgres
 *   cannot store, a constraint, a bug on one input), so the consumer isolates and dead-letters them.
 */
export type ErrorClass = 'transient' | 'record';

/**
 * PostgreSQL SQLSTATEs that say "try again" (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * serialization_failure, deadlock_detected, lock_not_available (also what lock_timeout raises),
 * admin_shutdown, crash_shutdown, cannot_connect_now (a restart or failover under way).
 */
const TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03']);

/** SQLSTATE classes that are never the record's fault: 08 connection exception, 53 insufficient resources. */
const TRANSIENT_SQLSTATE_CLASSES: readonly string[] = ['08', '53'];

/** query_canceled (57014) is transient when a lock wait or an operator cancelled it; a statement timeout is not. */
const QUERY_CANCELED = '57014';
const TRANSIENT_CANCEL_MESSAGE = /lock timeout|user request/i;

/** Socket-level errno codes (Node's `error.code`), as pg, ioredis and kafkajs surface them. */
const TRANSIENT_ERRNO_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** Error names that mean a client lost or could not reach its server. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'TransientError',
  'MaxRetriesPerRequestError', // ioredis gave up on a command while disconnected
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
]);

/**
 * Messages of client errors that carry no code: node-postgres when the server goes away
 * ("Connection terminated unexpectedly", "Connection terminated due to connection timeout"),
 * its pool ("timeout exceeded when trying to connect"), and ioredis ("Connection is closed.").
 * Redis replies LOADING / BUSY / TRYAGAIN / CLUSTERDOWN / MASTERDOWN while it (re)starts or fails over.
 */
const TRANSIENT_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Connection is closed|Client has encountered a connection error|(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN) )/;

/** How deep to follow `cause` chains (they are finite in practice; this guards a cycle). */
const MAX_DEPTH = 8;

/**
 * Classifies a handler (or dead-letter send) error. An error is transient when it, or any error it
 * wraps, is: a `TransientError`; a PostgreSQL error whose SQLSTATE is listed above; a socket errno
 * such as ECONNREFUSED; a kafkajs error marked `retriable`; or a known connection-loss message.
 * Everything else is the record's fault.
 */
export function classifyError(error: unknown): ErrorClass {
  return isTransient(error, 0) ? 'transient' : 'record';
}

/** `classifyError(error) === 'transient'`. */
export function isTransientError(error: unknown): boolean {
  return classifyError(error) === 'transient';
}

function isTransient(error: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return false;
  const fields = error as { name?: unknown; code?: unknown; message?: unknown; retriable?: unknown; cause?: unknown; driverError?: unknown; errors?: unknown };
  const name = typeof fields.name === 'string' ? fields.name : '';
  const code = typeof fields.code === 'string' ? fields.code : '';
  const message = typeof fields.message === 'string' ? fields.message : '';
  if (TRANSIENT_NAMES.has(name)) return true;
  if (name.startsWith('KafkaJS') && fields.retriable === true) return true;
  if (TRANSIENT_ERRNO_CODES.has(code)) return true;
  if (isSqlState(code) && isTransientSqlState(code, message)) return true;
  if (TRANSIENT_MESSAGES.test(message)) return true;
  const wrapped = [fields.cause, fields.driverError, ...(Array.isArray(fields.errors) ? (fields.errors as unknown[]) : [])];
  return wrapped.some((inner) => inner !== error && isTransient(inner, depth + 1));
}

function isSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code);
}

function isTransientSqlState(code: string, message: string): boolean {
  if (TRANSIENT_SQLSTATES.has(code)) return true;
  if (TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  return code === QUERY_CANCELED && TRANSIENT_CANCEL_MESSAGE.test(message);
}
