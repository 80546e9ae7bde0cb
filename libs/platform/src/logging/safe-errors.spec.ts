import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger } from './logger';
import { loggableMessage } from './safe-errors';

/** A logger writing into a string, to read back what would reach stdout. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: createLogger('test', 'info', sink), output: () => text };
}

const secretHash = 'f3a9c1d2e4b5a6978877665544332211aabbccddeeff00112233445566778899';
const note = 'customer said: call me on +44 7700 900123';

/** What pg raises for a unique violation, wrapped by TypeORM as on a real failed insert. */
function failedInsert(): QueryFailedError {
  const driverError = Object.assign(new Error('duplicate key value violates unique constraint "api_keys_secret_sha256_key"'), {
    severity: 'ERROR',
    code: '23505',
    detail: `Key (secret_sha256)=(${secretHash}) already exists.`,
    constraint: 'api_keys_secret_sha256_key',
    table: 'api_keys',
  });
  return new QueryFailedError('INSERT INTO "api_keys"("secret_sha256", "note") VALUES ($1, $2)', [secretHash, note], driverError);
}

describe('logged errors', () => {
  it('keep the query text and SQLSTATE code of a failed query, never its parameters or quoted values', () => {
    const { logger, output } = capturedLogger();
    logger.error({ err: failedInsert() }, 'unhandled error in request');
    const line = JSON.parse(output()) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ type: 'QueryFailedError', code: '23505', constraint: 'api_keys_secret_sha256_key', query: expect.stringContaining('INSERT INTO "api_keys"') });
    expect(output()).not.toContain(secretHash);
    expect(output()).not.toContain('+44 7700');
  });

  it('also under `error`, and for a bare driver error', () => {
    const { logger, output } = capturedLogger();
    const driverError = Object.assign(new Error(`invalid input syntax for type uuid: "${secretHash}"`), { severity: 'ERROR', code: '22P02' });
    logger.warn({ error: driverError }, 'pass failed');
    expect(output()).toContain('22P02');
    expect(output()).not.toContain(secretHash);
  });

  it('leave other errors as pino serializes them, and keep redacting secrets', () => {
    const { logger, output } = capturedLogger();
    logger.error({ err: new Error('broker unreachable'), apiKey: 'bwk_abc_secret' }, 'failed');
    expect(output()).toContain('broker unreachable');
    expect(output()).not.toContain('bwk_abc_secret');
  });
});

describe('loggableMessage', () => {
  it('names a database error by type, code and constraint, without the value its message quotes', () => {
    const message = loggableMessage(failedInsert());
    expect(message).toBe('QueryFailedError 23505 api_keys_secret_sha256_key');
  });

  it('keeps any other error’s message', () => {
    expect(loggableMessage(new Error('broker unreachable'))).toBe('broker unreachable');
  });
});
