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

describe('PlaybookEnv email adapters', () => {
  it('takes an SMTP relay with a sender, and a fallback recipient, in their forms', () => {
    const env = loadEnv(PlaybookEnv, { ...required, SMTP_URL: 'smtps://mailer:p%40ss@relay.example:465', EMAIL_FROM: 'Bellwether <cs@acme.example>', EMAIL_FALLBACK_TO: 'cs-team@acme.example' });
    expect([env.SMTP_URL, env.EMAIL_FROM, env.EMAIL_FALLBACK_TO]).toEqual(['smtps://mailer:p%40ss@relay.example:465', 'Bellwether <cs@acme.example>', 'cs-team@acme.example']);
    expect(loadEnv(PlaybookEnv, { ...required, SMTP_URL: 'smtp://127.0.0.1:2525', EMAIL_FROM: 'cs@acme.example' }).SMTP_URL).toBe('smtp://127.0.0.1:2525');
    expect(loadEnv(PlaybookEnv, required).SMTP_URL).toBeUndefined();
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://, naming the variable and never echoing the value', () => {
    for (const value of ['http://relay.example', 'relay.example:25', 'smtp://relay.example/path', 'smtp://user:s3cret@']) {
      let message = '';
      try {
        loadEnv(PlaybookEnv, { ...required, SMTP_URL: value, EMAIL_FROM: 'cs@acme.example' });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/SMTP_URL: SMTP_URL must be smtp:\/\//);
      expect(message).not.toContain('s3cret');
    }
  });

  it('requires EMAIL_FROM with SMTP_URL, and refuses a sender or fallback that is no address', () => {
    expect(() => loadEnv(PlaybookEnv, { ...required, SMTP_URL: 'smtp://relay.example' })).toThrow(/EMAIL_FROM/);
    expect(() => loadEnv(PlaybookEnv, { ...required, SMTP_URL: 'smtp://relay.example', EMAIL_FROM: 'bellwether' })).toThrow(/EMAIL_FROM/);
    expect(() => loadEnv(PlaybookEnv, { ...required, SMTP_URL: 'smtp://relay.example', EMAIL_FROM: 'cs@acme.example', EMAIL_FALLBACK_TO: 'team' })).toThrow(/EMAIL_FALLBACK_TO/);
  });
});
