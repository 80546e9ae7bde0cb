import pino from 'pino';

/**
 * Fields of a database error that name where it happened, never what was in it: SQLSTATE code,
 * constraint, table, column, data type, the server routine, and the query text (values travel
 * as `$n` placeholders, so the text holds none).
 */
const DATABASE_ERROR_FIELDS = ['code', 'constraint', 'schema', 'table', 'column', 'dataType', 'routine', 'query'] as const;

/**
 * True for errors of the Postgres driver (`pg`'s DatabaseError: a SQLSTATE `code` and a
 * `severity`) and TypeORM's QueryFailedError (`query`, `parameters`, `driverError`).
 */
export function isDatabaseError(value: unknown): value is Error & Record<string, unknown> {
  if (!(value instanceof Error)) return false;
  const record = value as unknown as Record<string, unknown>;
  return 'driverError' in record || 'parameters' in record || (typeof record['severity'] === 'string' && typeof record['code'] === 'string');
}

/**
 * The log form of a database error: type, the fields above and the stack frames. Its parameters
 * are dropped, and so are the message, `detail`, `where` and the stack's first line, because
 * Postgres quotes the offending value there (`invalid input syntax for type uuid: "<value>"`,
 * `Key (secret_sha256)=(<hash>) already exists`). The SQLSTATE code and the query say what failed.
 */
export function describeDatabaseError(error: Error & Record<string, unknown>): Record<string, unknown> {
  const described: Record<string, unknown> = { type: error.constructor.name };
  for (const field of DATABASE_ERROR_FIELDS) if (error[field] !== undefined) described[field] = error[field];
  if (typeof error.stack === 'string') described['stack'] = error.stack.split('\n').slice(1).join('\n');
  return described;
}

/**
 * pino serializer for `err` and `error`: database errors as `describeDatabaseError`, any other
 * error as pino's standard serializer, a non-error value as it is (e.g. a message string).
 */
export function serializeLoggedError(value: unknown): unknown {
  if (isDatabaseError(value)) return describeDatabaseError(value);
  return value instanceof Error ? pino.stdSerializers.err(value) : value;
}

/**
 * A one-line description of an error for health details and string log fields: a database error
 * as its type, SQLSTATE code and constraint (its message may quote a value), any other error as
 * its message.
 */
export function loggableMessage(error: unknown): string {
  if (isDatabaseError(error)) {
    const described = describeDatabaseError(error);
    return [described['type'], described['code'], described['constraint']].filter((part) => typeof part === 'string').join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}
