import { Client } from 'pg';

/** Addresses of the real services the integration and e2e tiers run against. */
export const testEnvironment = {
  kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  databaseUrl: process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/bellwether_test',
  redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/1',
};

const serviceSchemas = ['ingestion', 'scoring', 'alerting', 'playbook'];

/** Drops every service schema. Refuses any database whose name does not contain "test". */
export async function resetTestDatabase(databaseUrl: string = testEnvironment.databaseUrl): Promise<void> {
  const name = new URL(databaseUrl).pathname.replace(/^\//, '');
  if (!name.includes('test')) throw new Error(`refusing to reset database "${name}": its name does not contain "test"`);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of serviceSchemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
