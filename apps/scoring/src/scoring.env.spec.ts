import { ConfigError, loadEnv } from '@bellwether/platform';
import { poolSizeProblem, ScoringEnv } from './scoring.env';

const required = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/db', REDIS_URL: 'redis://localhost' };

describe('ScoringEnv retention', () => {
  it('keeps processed ids 35 days and no published outbox rows (the relay deletes them) unless told otherwise', () => {
    const env = loadEnv(ScoringEnv, required);
    expect([env.PROCESSED_IDS_RETENTION_DAYS, env.OUTBOX_RETENTION_HOURS]).toEqual([35, 0]);
  });

  it('refuses PROCESSED_IDS_RETENTION_DAYS below 1, naming the variable', () => {
    expect(() => loadEnv(ScoringEnv, { ...required, PROCESSED_IDS_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadEnv(ScoringEnv, { ...required, PROCESSED_IDS_RETENTION_DAYS: '0' })).toThrow(/PROCESSED_IDS_RETENTION_DAYS/);
  });
});

describe('ScoringEnv concurrency', () => {
  it('processes the 6 events partitions at once, 500 events per transaction, on a pool of 16 connections', () => {
    const env = loadEnv(ScoringEnv, required);
    expect([env.SCORING_PARTITIONS_CONCURRENTLY, env.SCORING_MAX_EVENTS_PER_TRANSACTION, env.DB_POOL_SIZE]).toEqual([6, 500, 16]);
    expect(poolSizeProblem(env)).toBeNull();
  });

  it('refuses a pool too small for the partitions processed at once, naming both variables', () => {
    const env = loadEnv(ScoringEnv, { ...required, SCORING_PARTITIONS_CONCURRENTLY: '12', DB_POOL_SIZE: '15' });
    expect(poolSizeProblem(env)).toMatch(/DB_POOL_SIZE \(15\) must be at least SCORING_PARTITIONS_CONCURRENTLY \+ 4 \(16\)/);
  });

  it('refuses SCORING_PARTITIONS_CONCURRENTLY below 1, naming the variable', () => {
    expect(() => loadEnv(ScoringEnv, { ...required, SCORING_PARTITIONS_CONCURRENTLY: '0' })).toThrow(/SCORING_PARTITIONS_CONCURRENTLY/);
  });
});
