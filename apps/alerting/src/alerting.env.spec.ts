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

describe('AlertingEnv webhook format', () => {
  const slack = { ...required, WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/x', WEBHOOK_FORMAT: 'slack', WEBHOOK_EVENTS: 'incidents', CONSOLE_BASE_URL: 'https://console.acme.example' };

  it('sends the Bellwether JSON unless told otherwise', () => {
    expect(loadEnv(AlertingEnv, required).WEBHOOK_FORMAT).toBe('bellwether');
  });

  it('takes the Slack format for incidents with a console URL, without a secret', () => {
    const env = loadEnv(AlertingEnv, slack);
    expect([env.WEBHOOK_FORMAT, env.CONSOLE_BASE_URL, env.WEBHOOK_SECRET]).toEqual(['slack', 'https://console.acme.example', undefined]);
  });

  it('refuses the Slack format for alert events, without CONSOLE_BASE_URL, or an unknown format, naming the variable', () => {
    expect(() => loadEnv(AlertingEnv, { ...slack, WEBHOOK_EVENTS: 'alerts,incidents' })).toThrow(/WEBHOOK_FORMAT: WEBHOOK_FORMAT=slack formats incident events only/);
    expect(() => loadEnv(AlertingEnv, { ...slack, CONSOLE_BASE_URL: undefined })).toThrow(/CONSOLE_BASE_URL/);
    expect(() => loadEnv(AlertingEnv, { ...slack, CONSOLE_BASE_URL: 'console.acme.example' })).toThrow(/CONSOLE_BASE_URL/);
    expect(() => loadEnv(AlertingEnv, { ...required, WEBHOOK_FORMAT: 'teams' })).toThrow(/WEBHOOK_FORMAT/);
  });

  it('still wants a WEBHOOK_SECRET of 16+ characters for the Bellwether format, and a given one for Slack', () => {
    expect(() => loadEnv(AlertingEnv, { ...required, WEBHOOK_URL: 'https://hooks.acme.example/bw' })).toThrow(/WEBHOOK_SECRET/);
    expect(() => loadEnv(AlertingEnv, { ...slack, WEBHOOK_SECRET: 'short' })).toThrow(/WEBHOOK_SECRET/);
  });
});
