import pino from 'pino';
import { DataSource, MigrationExecutor, type EntitySchema, type MixedList } from 'typeorm';
import { createLogger, type AppLogger } from '../logging/logger';
import { QueryLogger } from './query-logger';

export interface ServiceDataSourceOptions {
  readonly url: string;
  /** The Postgres schema this service owns; no other service reads or writes it. */
  readonly schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function | string>;
  readonly poolSize?: number;
  readonly applicationName: string;
  /** Where failed queries are logged (text and code, never parameters); JSON on stderr by default. */
  readonly logger?: AppLogger;
}

/** TypeORM data source for one service: its own schema, migrations only, never synchronize. */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    // Without a service logger (the keys CLI), on stderr: stdout carries the command's answer.
    logger: new QueryLogger(options.logger ?? createLogger(options.applicationName, 'info', pino.destination(2))),
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 10, idleTimeoutMillis: 30000, connectionTimeoutMillis: 5000 },
  });
}

/**
 * Applies pending migrations under a Postgres advisory lock, so replicas starting together
 * never run the same migration twice. Lock and migrations share one connection.
 */
export async function migrate(dataSource: DataSource, schema: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lockKey = `bellwether-migrate:${schema}`;
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await runner.release();
  }
}

export async function revertLastMigration(dataSource: DataSource): Promise<void> {
  await dataSource.undoLastMigration({ transaction: 'each' });
}
