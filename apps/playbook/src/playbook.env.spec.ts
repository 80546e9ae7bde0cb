import { ConfigError, loadEnv } from '@bellwether/platform';
import { PlaybookEnv } from './playbook.env';

const required = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/db', REDIS_URL: 'redis://localhost' };

describe('PlaybookEnv retention', () => {
  it('keeps processed ids 35 days and no published outbox rows (the relay deletes them) unless told otherwise', () => {
    const env = loadEnv(PlaybookEnv, required);
    expect([env.PROCESSED_IDS_RETENTION_DAYS, env.OUTBOX_RETENTION_HOURS]).toEqual([35, 0]);
  });

  it('refuses PROCESSED_IDS_RETENTION_DAYS below 1, naming the variable', () => {
    expect(() => loadEnv(PlaybookEnv, { ...required, PROCESSED_IDS_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadEnv(PlaybookEnv, { ...required, PROCESSED_IDS_RETENTION_DAYS: '0' })).toThrow(/PROCESSED_IDS_RETENTION_DAYS/);
  });
});

describe('PlaybookEnv events consumer', () => {
  it('consumes 3 events partitions at once, at most 1 MiB each, unless told otherwise', () => {
    const env = loadEnv(PlaybookEnv, required);
    expect([env.PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY, env.PLAYBOOK_EVENTS_MAX_BYTES_PER_PARTITION]).toEqual([3, 1024 * 1024]);
    expect(loadEnv(PlaybookEnv, { ...required, PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY: '6' }).PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY).toBe(6);
  });

  it('refuses a concurrency outside 1–64 or a fetch below 1 KiB, naming the variable', () => {
    for (const value of ['0', '65', 'x']) expect(() => loadEnv(PlaybookEnv, { ...required, PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY: value })).toThrow(/PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY/);
    expect(() => loadEnv(PlaybookEnv, { ...required, PLAYBOOK_EVENTS_MAX_BYTES_PER_PARTITION: '100' })).toThrow(/PLAYBOOK_EVENTS_MAX_BYTES_PER_PARTITION/);
  });
});
