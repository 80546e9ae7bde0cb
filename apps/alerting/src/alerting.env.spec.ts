import { ConfigError, loadEnv } from '@bellwether/platform';
import { AlertingEnv } from './alerting.env';

const required = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/db', REDIS_URL: 'redis://localhost' };

describe('AlertingEnv retention', () => {
  it('keeps processed ids 35 days and no published outbox rows (the relay deletes them) unless told otherwise', () => {
    const env = loadEnv(AlertingEnv, required);
    expect([env.PROCESSED_IDS_RETENTION_DAYS, env.OUTBOX_RETENTION_HOURS]).toEqual([35, 0]);
  });

  it('refuses PROCESSED_IDS_RETENTION_DAYS below 1, naming the variable', () => {
    expect(() => loadEnv(AlertingEnv, { ...required, PROCESSED_IDS_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadEnv(AlertingEnv, { ...required, PROCESSED_IDS_RETENTION_DAYS: '0' })).toThrow(/PROCESSED_IDS_RETENTION_DAYS/);
  });
});
