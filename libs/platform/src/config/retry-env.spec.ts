import { CommonEnv, ConfigError, loadEnv } from './env';
import { retryConfig } from './retry-env';

const required = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/db', REDIS_URL: 'redis://localhost', PORT: '3000' };

describe('retry configuration', () => {
  it('has defaults every service shares', () => {
    const config = retryConfig(loadEnv(CommonEnv, required));
    expect(config.consumerBackoff).toEqual({ initialMs: 200, maxMs: 10_000, factor: 2 });
    expect(config.consumerStallMs).toBe(120_000);
    expect(config.outboxBackoff).toEqual({ initialMs: 200, maxMs: 10_000, factor: 2 });
    expect(config.webhookBackoff).toEqual({ initialMs: 1000, maxMs: 600_000, factor: 2 });
    expect(config.deliveryBackoff).toEqual({ initialMs: 1000, maxMs: 1_800_000, factor: 2 });
  });

  it('reads the variables', () => {
    const config = retryConfig(
      loadEnv(CommonEnv, { ...required, CONSUMER_BACKOFF_INITIAL_MS: '50', CONSUMER_BACKOFF_MAX_MS: '400', BACKOFF_FACTOR: '1.5', CONSUMER_STALL_SECONDS: '30', DELIVERY_MAX_ATTEMPTS: '2' }),
    );
    expect(config.consumerBackoff).toEqual({ initialMs: 50, maxMs: 400, factor: 1.5 });
    expect(config.consumerStallMs).toBe(30_000);
    expect(config.deliveryMaxAttempts).toBe(2);
  });

  it('refuses a cap below the first delay, and a factor below 1, naming the variables', () => {
    let problems: readonly string[] = [];
    try {
      loadEnv(CommonEnv, { ...required, CONSUMER_BACKOFF_INITIAL_MS: '5000', CONSUMER_BACKOFF_MAX_MS: '1000', BACKOFF_FACTOR: '0.5' });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.join('\n')).toContain('CONSUMER_BACKOFF_MAX_MS must not be below CONSUMER_BACKOFF_INITIAL_MS');
    expect(problems.join('\n')).toContain('BACKOFF_FACTOR');
  });
});
