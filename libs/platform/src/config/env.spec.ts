import { CommonEnv, ConfigError, loadEnv } from './env';

const required = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/db', REDIS_URL: 'redis://localhost', PORT: '3000' };

const problemsOf = (source: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadEnv(CommonEnv, source);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('BIND_ADDRESS', () => {
  it('listens on every interface unless told otherwise', () => {
    expect(loadEnv(CommonEnv, required).BIND_ADDRESS).toBe('0.0.0.0');
  });

  it.each(['127.0.0.1', '::1', '10.0.3.7'])('takes the address %s', (address) => {
    expect(loadEnv(CommonEnv, { ...required, BIND_ADDRESS: address }).BIND_ADDRESS).toBe(address);
  });

  it.each(['localhost', '127.0.0.256', '0.0.0.0:3000', 'every'])('refuses %s, naming the variable', (address) => {
    expect(problemsOf({ ...required, BIND_ADDRESS: address }).join('\n')).toContain('BIND_ADDRESS must be an IPv4 or IPv6 address');
  });
});

describe('retention pruning', () => {
  it('prunes every 60 seconds in statements of at most 5000 rows unless told otherwise', () => {
    const env = loadEnv(CommonEnv, required);
    expect([env.RETENTION_PRUNE_INTERVAL_SECONDS, env.RETENTION_PRUNE_BATCH_SIZE]).toEqual([60, 5000]);
  });

  it('keeps no published outbox rows unless told otherwise, and takes 0 or a number of hours', () => {
    expect(loadEnv(CommonEnv, required).OUTBOX_RETENTION_HOURS).toBe(0);
    expect(loadEnv(CommonEnv, { ...required, OUTBOX_RETENTION_HOURS: '0' }).OUTBOX_RETENTION_HOURS).toBe(0);
    expect(loadEnv(CommonEnv, { ...required, OUTBOX_RETENTION_HOURS: '72' }).OUTBOX_RETENTION_HOURS).toBe(72);
  });

  it.each([
    ['OUTBOX_RETENTION_HOURS', '-1'],
    ['OUTBOX_RETENTION_HOURS', '1.5'],
    ['OUTBOX_RETENTION_HOURS', 'forever'],
    ['RETENTION_PRUNE_INTERVAL_SECONDS', '0'],
    ['RETENTION_PRUNE_BATCH_SIZE', '0'],
    ['RETENTION_PRUNE_BATCH_SIZE', 'lots'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(problemsOf({ ...required, [name]: value }).join('\n')).toContain(name);
  });
});
