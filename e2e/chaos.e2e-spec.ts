import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { KafkaConnection } from '@bellwether/kafka';
import { testEnvironment } from '@bellwether/testing';
// scripts/chaos is no Nx project (like scripts/bench): the short version runs the very code of `npm run chaos`.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { shortPlan } from '../scripts/chaos/chaos.config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { runChaos, type ChaosOutcome } from '../scripts/chaos/chaos-run';
import { Stack } from './stack';

/**
 * The short version of `npm run chaos` (issue 8): the same load, faults and checks
 * (scripts/chaos/chaos-run.ts) with a small load, one kill -9 per service, a Redis flush, poison on
 * every consumed topic and a redelivery, but no broker or Postgres restart (both are shared).
 * Then the logs of the run are searched for every secret it used.
 */

/** The local Postgres trusts 127.0.0.1, so the services can carry a made-up password that must never be logged. */
const databasePassword = `chaos-e2e-pw-${randomBytes(12).toString('hex')}`;
const databaseUrlWithPassword = (() => {
  const url = new URL(testEnvironment.databaseUrl);
  url.username ||= 'postgres';
  url.password = databasePassword;
  return url.toString();
})();

/** Bytes of a log written before this run: only what the run wrote is searched. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe('chaos, short version: the books balance after one kill -9 per service, a Redis flush, poison and a redelivery', () => {
  const serviceEnv = { DATABASE_URL: databaseUrlWithPassword };
  const stack = new Stack(4700, { ingestion: serviceEnv, scoring: serviceEnv, alerting: serviceEnv, playbook: serviceEnv });
  const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'bellwether-chaos-e2e', namespace: stack.namespace });
  const progress: string[] = [];
  const logOffsets = new Map<string, number>();
  let adminKey = '';
  let outcome: ChaosOutcome;

  beforeAll(async () => {
    for (const service of Object.values(stack.services)) logOffsets.set(service.logPath, sizeOf(service.logPath));
    await stack.start();
    adminKey = await stack.createKey('admin');
    const { load, plan } = shortPlan();
    outcome = await runChaos({
      services: stack.services,
      connection,
      databaseUrl: testEnvironment.databaseUrl,
      redisUrl: testEnvironment.redisUrl,
      brokers: testEnvironment.kafkaBrokers,
      load,
      plan,
      seed: Math.floor(Math.random() * 2 ** 31),
      runTag: stack.namespace.replace(/\.$/, ''),
      adminKey,
      databasePassword,
      log: (message) => progress.push(message),
    });
  }, 200_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  it('injected every fault of the short plan and recovered from each', () => {
    expect(outcome.faults.filter((fault) => !fault.ok)).toEqual([]);
    // One poison message per consumed topic: six since bellwether.incidents.v1 (issue 15).
    expect(outcome.faultCounts).toMatchObject({ 'kill -9': 4, 'redis flush': 1, 'poison message': 6, redelivery: 1, 'client retry': 1, 'broker restart': 0, 'postgres restart': 0 });
    expect(new Set(outcome.faults.filter((fault) => fault.kind === 'kill -9').map((fault) => fault.target))).toEqual(new Set(['ingestion', 'scoring', 'alerting', 'playbook']));
  });

  it('applies every event answered 202 exactly once: nothing lost, nothing duplicated', () => {
    const { events } = outcome;
    expect(events.accepted).toBeGreaterThan(100);
    expect({ lost: events.lost, lostInState: events.lostInState, duplicated: events.duplicated, phantom: events.phantom, rejected: events.rejectedBatches, abandoned: events.abandoned }).toEqual({
      lost: 0,
      lostInState: 0,
      duplicated: 0,
      phantom: 0,
      rejected: 0,
      abandoned: 0,
    });
    expect(events.applied).toBe(events.claimed);
    expect(outcome.redelivered).toBeGreaterThan(0);
  });

  it('misses no score change on the topic, opens one alert per episode and dead-letters every poison message', () => {
    expect(outcome.settle.settled).toBe(true);
    expect(outcome.scores.history).toBeGreaterThan(0);
    expect({ missing: outcome.scores.missing, phantom: outcome.scores.phantom, gaps: outcome.scores.gaps }).toEqual({ missing: 0, phantom: 0, gaps: 0 });
    expect({ duplicates: outcome.alerts.activeDuplicates, openedTwice: outcome.alerts.openedTwice, overlapping: outcome.alerts.overlappingEpisodes }).toEqual({ duplicates: 0, openedTwice: 0, overlapping: 0 });
    expect(outcome.deadLetters.missing).toEqual([]);
    expect(outcome.deadLetters.found).toBe(outcome.deadLetters.expected);
    // Nine: the playbook consumer dead-letters the incidents topic's poison message as well.
    expect(outcome.deadLetters.expected).toBe(9);
  });

  it('passes every check of the full run, with the services ready again', () => {
    expect(Object.values(outcome.health).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    // The progress lines say what happened when a check fails.
    expect({ failures: outcome.failures, progress: outcome.failures.length ? progress : [] }).toEqual({ failures: [], progress: [] });
  });

  it('writes no API key, Authorization value or database password to any service log', () => {
    // The run searched its logs for the ingest key it created and used (Bearer, Basic, writeKey), a made-up key and the password.
    expect(outcome.logScan.findings).toEqual([]);
    expect(outcome.logScan.secrets).toBeGreaterThanOrEqual(7);
    for (const service of Object.values(stack.services)) {
      const text = readFileSync(service.logPath).subarray(logOffsets.get(service.logPath) ?? 0).toString('utf8');
      expect(text.length).toBeGreaterThan(0);
      // And more broadly: no key of any kind, no credentials after an auth scheme, not the admin key nor the password.
      expect(text).not.toMatch(/bwk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/);
      expect(text).not.toMatch(/\b(?:Bearer|Basic)\s+[A-Za-z0-9+/=_-]{16,}/);
      expect(text.includes(adminKey)).toBe(false);
      expect(text.includes(databasePassword)).toBe(false);
    }
    // The consumers did log the poison they dead-lettered: these are the run's logs.
    expect(readFileSync(stack.services.scoring.logPath, 'utf8')).toContain('record dead-lettered');
  });
});
