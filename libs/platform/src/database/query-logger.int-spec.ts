import { Writable } from 'node:stream';
import { testEnvironment } from '@bellwether/testing';
import { createLogger } from '../logging/logger';
import { createServiceDataSource } from './data-source.factory';

/**
 * Issue 13: a failing query must not put its parameters in the log, neither through TypeORM's
 * query logging nor through the error the caller logs (as the HTTP error filter does).
 */
describe('failed queries in the log, on real Postgres', () => {
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger('it-query-log', 'info', sink);
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: 'public', entities: [], migrations: [], applicationName: 'it-query-log', poolSize: 1, logger });
  const consoleOutput: string[] = [];
  const secret = 'bwk-secret-9c1d2e4b5a6978877665544332211aabbccddeeff0011';

  beforeAll(async () => {
    await dataSource.initialize();
    for (const method of ['log', 'info', 'warn', 'error'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleOutput.push(args.map(String).join(' ')));
    }
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  it('logs the query text and SQLSTATE code, never the parameter, and the thrown error logs the same way', async () => {
    // Postgres quotes the bad value in its message: invalid input syntax for type uuid: "<secret>".
    const failure = await dataSource.query('SELECT $1::uuid AS id', [secret]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    logger.error({ err: failure }, 'unhandled error in request');

    expect(logged).not.toContain(secret);
    expect(consoleOutput.join('\n')).not.toContain(secret);
    const lines = logged.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line['msg'] === 'query failed')).toMatchObject({ query: 'SELECT $1::uuid AS id', code: '22P02' });
    expect(lines.find((line) => line['msg'] === 'unhandled error in request')).toMatchObject({ err: { code: '22P02', query: 'SELECT $1::uuid AS id' } });
  });
});
