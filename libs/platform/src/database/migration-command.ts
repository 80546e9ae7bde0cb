/* eslint-disable no-console -- a command-line entry point talks on stdout */
import { Matches } from 'class-validator';
import { loadEnv } from '../config/env';
import { createServiceDataSource, migrate, revertLastMigration } from './data-source.factory';

class MigrationEnv {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;
}

/**
 * `node dist/apps/<service>/src/migrate.js [up|revert]`: the one-shot migration step of a
 * deployment (compose `migrate`, the Kubernetes Job), for services started with
 * DB_MIGRATE_ON_START=false.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes migration classes as Function
export function runMigrationCommand(schema: string, migrations: Function[]): void {
  const direction = process.argv[2] ?? 'up';
  const main = async (): Promise<number> => {
    if (direction !== 'up' && direction !== 'revert') {
      console.error('usage: migrate [up|revert]');
      return 64;
    }
    const env = loadEnv(MigrationEnv);
    const dataSource = createServiceDataSource({ url: env.DATABASE_URL, schema, entities: [], migrations, applicationName: `bellwether-migrate-${schema}`, poolSize: 2 });
    await dataSource.initialize();
    try {
      if (direction === 'revert') {
        await revertLastMigration(dataSource);
        console.log(JSON.stringify({ schema, reverted: 1 }));
      } else {
        console.log(JSON.stringify({ schema, applied: await migrate(dataSource, schema) }));
      }
      return 0;
    } finally {
      await dataSource.destroy();
    }
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
