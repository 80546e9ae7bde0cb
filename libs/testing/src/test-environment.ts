import Redis from 'ioredis';
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

/**
 * Empties the Redis database of `redisUrl` (ingestion's dedup window and rate-limit state, scoring's
 * cache), so a replay of the same event ids is not taken for duplicates. Refuses database 0 (the
 * dev stack's).
 */
export async function resetTestRedis(redisUrl: string = testEnvironment.redisUrl): Promise<void> {
  const db = Number(new URL(redisUrl).pathname.replace(/^\//, '') || '0');
  if (!Number.isInteger(db) || db === 0) throw new Error(`refusing to flush Redis database ${db} of ${redisUrl}: use a test database (1 or higher)`);
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await client.connect();
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}
