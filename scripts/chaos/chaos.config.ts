/**
 * Every knob of `npm run chaos` (CHAOS_*), read from the environment, with the defaults of the
 * full run. The short version inside the e2e suite builds its own plan with `shortPlan()`.
 */

import { assertScratchDatabase, intFromEnv, stackRunFromEnv, type StackRunConfig } from '../common/run-knobs';

export { serviceNames, type ServiceName } from '../common/service-child';

/** The steady load: uniquely identified events over a fixed set of accounts. */
export interface LoadOptions {
  readonly eventsPerSecond: number;
  readonly accounts: number;
  readonly minBatch: number;
  readonly maxBatch: number;
  /** Batches waiting for their 202 at once; the sender stops generating while this many are open. */
  readonly maxInFlight: number;
  /** A request without an answer after this long counts as a timeout and is retried. */
  readonly requestTimeoutMs: number;
  /** A batch still not accepted after this long is abandoned (reported, never counted as accepted). */
  readonly giveUpAfterMs: number;
}

/** Which faults a run injects, and how they are spaced. */
export interface FaultPlanOptions {
  readonly killsPerService: number;
  readonly restartBroker: boolean;
  readonly restartPostgres: boolean;
  /** Redis FLUSHDB rounds (at least one). */
  readonly redisFlushes: number;
  /** Already-processed batches re-sent straight to the events topic. */
  readonly redeliveries: number;
  /** Load-only pause before each fault: a random moment in [gapMinMs, gapMaxMs]. */
  readonly gapMinMs: number;
  readonly gapMaxMs: number;
  /** How long a killed service stays down before its restart: random in [0, downMaxMs]. */
  readonly downMaxMs: number;
  /** How long the broker stays down between its stop and its start: random in [0, brokerDownMaxMs]. */
  readonly brokerDownMaxMs: number;
  /** Load before the first fault and after the last one. */
  readonly leadInMs: number;
  readonly tailMs: number;
  /** Longest wait for lag 0 and empty outboxes after the load stopped. */
  readonly settleTimeoutMs: number;
  /** How Postgres is restarted (a shell command); the machine's cluster by default. */
  readonly postgresRestartCommand: string;
}

export const defaultPostgresRestartCommand = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart';

export interface ChaosConfig extends StackRunConfig {
  readonly seed: number;
  readonly load: LoadOptions;
  readonly plan: FaultPlanOptions;
  /** The command that produced the report, as a person would type it. */
  readonly command: string;
}

function flagFromEnv(name: string): boolean {
  return process.env[name] === '1' || process.env[name] === 'true';
}

/** A database the chaos run may wipe: its name must say so. */
export function assertChaosDatabase(databaseUrl: string): void {
  assertScratchDatabase(databaseUrl, 'chaos');
}

/** Redis db 0 is the dev stack's and 1 the tests' default: never flushed by a chaos run. */
export function redisDbOf(redisUrl: string): number {
  const path = new URL(redisUrl).pathname.replace(/^\//, '');
  return path === '' ? 0 : Number(path);
}

export function loadChaosConfig(): ChaosConfig {
  const stack = stackRunFromEnv('chaos', { redisDb: 4, basePort: 5100, reportPath: 'docs/reliability.md' });
  const redisDb = redisDbOf(stack.redisUrl);
  if ([0, 1].includes(redisDb)) throw new Error(`refusing Redis db ${redisDb} (0 is the dev stack's, 1 the tests'); the chaos run flushes its db`);
  const killsPerService = intFromEnv('CHAOS_KILLS_PER_SERVICE', 5, 1);
  return {
    ...stack,
    seed: intFromEnv('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31), 0),
    load: {
      eventsPerSecond: intFromEnv('CHAOS_EVENTS_PER_SECOND', 100, 1),
      accounts: intFromEnv('CHAOS_ACCOUNTS', 200, 1),
      minBatch: intFromEnv('CHAOS_MIN_BATCH', 5, 1),
      maxBatch: intFromEnv('CHAOS_MAX_BATCH', 30, 1),
      maxInFlight: intFromEnv('CHAOS_MAX_IN_FLIGHT', 32, 1),
      requestTimeoutMs: intFromEnv('CHAOS_REQUEST_TIMEOUT_MS', 15_000, 1000),
      giveUpAfterMs: intFromEnv('CHAOS_GIVE_UP_AFTER_MS', 120_000, 1000),
    },
    plan: {
      killsPerService,
      // The broker and Postgres are shared with the other engineers on this machine: opt-in only.
      restartBroker: flagFromEnv('CHAOS_RESTART_BROKER'),
      restartPostgres: flagFromEnv('CHAOS_RESTART_POSTGRES'),
      redisFlushes: intFromEnv('CHAOS_REDIS_FLUSHES', 2, 1),
      redeliveries: intFromEnv('CHAOS_REDELIVERIES', 2, 1),
      gapMinMs: intFromEnv('CHAOS_GAP_MIN_MS', 3000, 0),
      gapMaxMs: intFromEnv('CHAOS_GAP_MAX_MS', 10_000, 0),
      downMaxMs: intFromEnv('CHAOS_DOWN_MAX_MS', 3000, 0),
      brokerDownMaxMs: intFromEnv('CHAOS_BROKER_DOWN_MAX_MS', 10_000, 0),
      leadInMs: intFromEnv('CHAOS_LEAD_IN_MS', 10_000, 0),
      tailMs: intFromEnv('CHAOS_TAIL_MS', 10_000, 0),
      settleTimeoutMs: intFromEnv('CHAOS_SETTLE_TIMEOUT_MS', 300_000, 1000),
      postgresRestartCommand: process.env['CHAOS_POSTGRES_RESTART_CMD'] || defaultPostgresRestartCommand,
    },
    command: process.env['CHAOS_COMMAND'] ?? 'npm run chaos',
  };
}

/** The short version of the e2e suite: a small load, one kill -9 per service, no shared-infra restarts. */
export function shortPlan(): { load: LoadOptions; plan: FaultPlanOptions } {
  return {
    load: { eventsPerSecond: 40, accounts: 40, minBatch: 3, maxBatch: 12, maxInFlight: 16, requestTimeoutMs: 15_000, giveUpAfterMs: 90_000 },
    plan: {
      killsPerService: 1,
      restartBroker: false,
      restartPostgres: false,
      redisFlushes: 1,
      redeliveries: 1,
      gapMinMs: 1000,
      gapMaxMs: 3000,
      downMaxMs: 1000,
      brokerDownMaxMs: 0,
      leadInMs: 3000,
      tailMs: 2000,
      settleTimeoutMs: 60_000,
      postgresRestartCommand: defaultPostgresRestartCommand,
    },
  };
}

/** Small seedable PRNG (mulberry32): a run's schedule and load can be replayed with CHAOS_SEED. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
