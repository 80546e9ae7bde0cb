import { createServiceDataSource, migrate, revertLastMigration } from '@bellwether/platform';
import { resetTestDatabase, testEnvironment } from './test-environment';

/**
 * Applies a service's migrations to the real test database, reverts them all, and applies them
 * again: every `down` must undo its `up`. Returns the tables the schema holds at the end.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export async function migrationsRoundTrip(schema: string, migrations: Function[]): Promise<string[]> {
  await resetTestDatabase();
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema, entities: [], migrations, applicationName: 'migrations-test', poolSize: 2 });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource, schema);
    if (applied.length !== migrations.length) throw new Error(`expected ${migrations.length} migrations, applied ${applied.length}`);
    for (let i = 0; i < migrations.length; i += 1) await revertLastMigration(dataSource);
    const leftover = await tablesOf(dataSource, schema);
    if (leftover.some((table) => table !== 'migrations')) throw new Error(`revert left tables behind: ${leftover.join(', ')}`);
    await migrate(dataSource, schema);
    return await tablesOf(dataSource, schema);
  } finally {
    await dataSource.destroy();
  }
}

async function tablesOf(dataSource: { query: (sql: string, params: unknown[]) => Promise<unknown> }, schema: string): Promise<string[]> {
  const rows = (await dataSource.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])) as { table_name: string }[];
  return rows.map((row) => row.table_name);
}
