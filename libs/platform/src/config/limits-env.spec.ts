import { CommonEnv, ConfigError, loadEnv, trustProxySetting } from './env';

const required = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/db', REDIS_URL: 'redis://localhost', PORT: '3000' };

function problemsOf(source: Record<string, string>): readonly string[] {
  try {
    loadEnv(CommonEnv, { ...required, ...source });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('rate-limit and client-address configuration', () => {
  it('reads fractional rates and the bursts', () => {
    const env = loadEnv(CommonEnv, { ...required, READ_RATE_LIMIT_PER_SECOND: '0.5', ADMIN_RATE_LIMIT_BURST: '3', AUTH_FAILURE_LIMIT_PER_MINUTE: '6' });
    expect([env.READ_RATE_LIMIT_PER_SECOND, env.READ_RATE_LIMIT_BURST, env.ADMIN_RATE_LIMIT_BURST, env.AUTH_FAILURE_LIMIT_PER_MINUTE, env.AUTH_FAILURE_BURST]).toEqual([0.5, 100, 3, 6, 30]);
  });

  it('refuses a zero rate, a zero burst and a malformed TRUST_PROXY, naming each variable', () => {
    const problems = problemsOf({ ACTION_RATE_LIMIT_PER_SECOND: '0', READ_RATE_LIMIT_BURST: '0', TRUST_PROXY: 'everyone' });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['READ_RATE_LIMIT_BURST', 'ACTION_RATE_LIMIT_PER_SECOND', 'TRUST_PROXY']);
  });

  it('maps TRUST_PROXY onto Fastify trustProxy: off by default, true, a hop count, or a list of proxies', () => {
    expect(trustProxySetting(loadEnv(CommonEnv, required))).toBe(false);
    expect(trustProxySetting(loadEnv(CommonEnv, { ...required, TRUST_PROXY: 'true' }))).toBe(true);
    expect(trustProxySetting(loadEnv(CommonEnv, { ...required, TRUST_PROXY: '1' }))).toBe(1);
    expect(trustProxySetting(loadEnv(CommonEnv, { ...required, TRUST_PROXY: '10.0.0.0/8,::1' }))).toBe('10.0.0.0/8,::1');
  });
});
