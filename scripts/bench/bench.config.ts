/** Every knob of `npm run bench`, from the environment, with the defaults of the committed run. */

import { intFromEnv } from '../common/run-knobs';

function intListFromEnv(name: string, fallback: readonly number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...fallback];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new Error(`${name} must be a comma-separated list of positive integers (got "${raw}")`);
  return values;
}

/** The phases of a run, in the order they run (BENCH_PHASES picks some; the day-roll rolls what the scoring runs left). */
export const benchPhases = ['ingestion', 'latency', 'scoring', 'profile', 'day-roll'] as const;
export type BenchPhase = (typeof benchPhases)[number];

function phasesFromEnv(): readonly BenchPhase[] {
  const raw = process.env['BENCH_PHASES'];
  if (raw === undefined || raw.trim() === '') return [...benchPhases];
  const named = raw.split(',').map((part) => part.trim());
  const unknown = named.filter((name) => !(benchPhases as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_PHASES names unknown phase(s) ${unknown.join(', ')}; the phases are ${benchPhases.join(', ')}`);
  return benchPhases.filter((phase) => named.includes(phase));
}

/** `NAME=value,NAME=value` of BENCH_SERVICE_ENV: only upper-case names, no commas in values. */
function serviceEnvFromEnv(): Readonly<Record<string, string>> {
  const raw = process.env['BENCH_SERVICE_ENV'] ?? '';
  const entries = raw.split(',').map((part) => part.trim()).filter(Boolean).map((part) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(part));
  if (entries.some((entry) => entry === null)) throw new Error(`BENCH_SERVICE_ENV must be NAME=value pairs separated by commas (got "${raw}")`);
  return Object.fromEntries(entries.map((entry) => [entry?.[1] ?? '', entry?.[2] ?? '']));
}

export interface BenchConfig {
  /**
   * Settings given to every service on top of the bench's own (BENCH_SERVICE_ENV, e.g.
   * `SCORING_PARTITIONS_CONCURRENTLY=2,SCORING_MAX_EVENTS_PER_TRANSACTION=200`), to compare settings run by run.
   */
  readonly serviceEnv: Readonly<Record<string, string>>;
  /**
   * The phases to run (BENCH_PHASES, comma-separated; all by default). A partial run is for
   * development: its report says which phases it left out, and its figures are not the committed run's.
   */
  readonly phases: readonly BenchPhase[];
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
  /** Prefix of every topic and consumer group of this run (KAFKA_NAMESPACE of the services). */
  readonly namespace: string;
  readonly basePort: number;
  /** Rounds of every repeated figure (ingestion with and without the pipeline, latency), each next to its Kafka baseline. */
  readonly repeats: number;
  /** Seconds of each ingestion saturation run (with the pipeline, and alone). */
  readonly seconds: number;
  /** In-flight POST /v1/events requests during saturation and pre-loads. */
  readonly concurrency: number;
  readonly eventsPerBatch: number;
  /** JSON size of one event on the HTTP side (what a client posts). */
  readonly eventBytes: number;
  /** Steady rates of the end-to-end latency runs, events/s. */
  readonly latencyRates: number[];
  readonly latencySeconds: number;
  /**
   * One probe account (3 events that turn it red, in place of 3 of the next background batch's) every
   * this many ms during a latency run; the p99s pool the probes of a rate's rounds (≥ 1,000 at the defaults).
   */
  readonly probeIntervalMs: number;
  readonly accountsSmall: number;
  readonly accountsLarge: number;
  /** Events pre-loaded for the small (new accounts) scoring run. */
  readonly smallEvents: number;
  /** Events pre-loaded over the warmed large set of accounts. */
  readonly scaleEvents: number;
  readonly kafkaPerfRecords: number;
  readonly kafkaE2eMessages: number;
  /** Seconds of load while the hottest service is profiled; 0 skips the profile. */
  readonly profileSeconds: number;
  /** Whether the day-roll over the large set of accounts is measured (BENCH_DAY_ROLL=0 skips it). */
  readonly dayRoll: boolean;
  /** The services' GRACE_PERIOD_HOURS: a day is rolled once the watermark is two of these past it. */
  readonly gracePeriodHours: number;
  /** Longest wait for the consumers to catch up after a phase, ms. */
  readonly drainTimeoutMs: number;
  /** Minutes after which the remaining phases are skipped (and named in the report). */
  readonly budgetMinutes: number;
  readonly keepTopics: boolean;
  readonly docsDir: string;
  readonly workDir: string;
  /** Where run.sh built the code this run executes: <buildDir>/dist and its path register. */
  readonly buildDir: string;
}

export function loadBenchConfig(): BenchConfig {
  const databaseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/bellwether_bench';
  const dbName = new URL(databaseUrl).pathname.replace(/^\//, '');
  if (!dbName.includes('bench')) throw new Error(`refusing to run against database "${dbName}": its name does not contain "bench"`);
  const namespace = process.env['BENCH_NAMESPACE'] ?? `bench-${Date.now().toString(36)}.`;
  if (!/^bench[a-z0-9._-]{1,50}$/.test(namespace)) throw new Error(`BENCH_NAMESPACE must start with "bench" and hold only a-z, 0-9, ".", "_", "-" (got "${namespace}")`);
  return {
    phases: phasesFromEnv(),
    serviceEnv: serviceEnvFromEnv(),
    databaseUrl,
    redisUrl: process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/2',
    brokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    namespace,
    basePort: intFromEnv('BENCH_BASE_PORT', 5000),
    repeats: intFromEnv('BENCH_REPEATS', 3),
    seconds: intFromEnv('BENCH_SECONDS', 10),
    concurrency: intFromEnv('BENCH_CONCURRENCY', 12),
    eventsPerBatch: intFromEnv('BENCH_BATCH_EVENTS', 100),
    eventBytes: intFromEnv('BENCH_EVENT_BYTES', 300, 200),
    latencyRates: intListFromEnv('BENCH_RATES', [2000, 10_000]),
    latencySeconds: intFromEnv('BENCH_LATENCY_SECONDS', 20),
    probeIntervalMs: intFromEnv('BENCH_PROBE_INTERVAL_MS', 50),
    accountsSmall: intFromEnv('BENCH_ACCOUNTS_SMALL', 1000),
    accountsLarge: intFromEnv('BENCH_ACCOUNTS_LARGE', 100_000),
    smallEvents: intFromEnv('BENCH_SMALL_EVENTS', 200_000),
    scaleEvents: intFromEnv('BENCH_SCALE_EVENTS', 1_000_000),
    kafkaPerfRecords: intFromEnv('BENCH_KAFKA_RECORDS', 1_000_000),
    kafkaE2eMessages: intFromEnv('BENCH_KAFKA_E2E_MESSAGES', 5000),
    profileSeconds: intFromEnv('BENCH_PROFILE_SECONDS', 10, 0),
    dayRoll: process.env['BENCH_DAY_ROLL'] !== '0',
    gracePeriodHours: intFromEnv('BENCH_GRACE_PERIOD_HOURS', 48, 0),
    drainTimeoutMs: intFromEnv('BENCH_DRAIN_TIMEOUT_SECONDS', 240) * 1000,
    budgetMinutes: intFromEnv('BENCH_BUDGET_MINUTES', 21),
    keepTopics: process.env['BENCH_KEEP_TOPICS'] === '1',
    docsDir: process.env['BENCH_DOCS_DIR'] ?? 'docs',
    workDir: 'reports/bench',
    buildDir: process.env['BENCH_BUILD_DIR'] ?? '.',
  };
}
