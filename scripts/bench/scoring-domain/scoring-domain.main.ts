/* eslint-disable no-console -- a benchmark reports on stdout */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TelemetryEvent } from '@bellwether/contracts';
import {
  applyEvent,
  applyEventBatch,
  closeAccountsDays,
  dayEnd,
  dayOf,
  dayStart,
  defaultScorecard,
  deriveAccountSignals,
  deriveSignals,
  emptyAccountState,
  evaluateAccount,
  firstCopies,
  signalFingerprint,
  type AccountState,
  type StoredAccount,
} from '@bellwether/scoring-domain';
import { backtestArchetypeMix, generateCustomerBase } from '@bellwether/testing';
import { spread, type Spread } from '../stats';

/**
 * Issue 17: CPU per event of the pure scoring domain, the part of scoring's profile under load that
 * is neither Kafka nor Postgres. Deterministic (seeded customer base, fixed clock), single
 * process, well under a minute on a loaded 2-core machine:
 *
 * - a population of `ACCOUNTS` accounts built from `HISTORY_DAYS` simulated days (the customer base
 *   of the backtest: users, key features, tickets, NPS, billing, seat cuts…), each account closed
 *   through the split day once so it has a stored score and signal fingerprint;
 * - **batch**: the next simulated day's events, in arrival order, in batches of `BATCH_EVENTS`,
 *   through the calls the events consumer makes per batch (`firstCopies`, `applyEventBatch` with
 *   `consumesPrevious`), each round on a fresh copy of the population (as the rows read per batch);
 * - **evaluation**: one evaluation per account as `applyAccountEvents` makes it (`deriveSignals`,
 *   `evaluateAccount`, `deriveAccountSignals`, `signalFingerprint`);
 * - **day close**: `closeAccountsDays` of one day for the whole population (the day-roll: one
 *   evaluation per account, the freshly read states handed over as the day-roller does).
 *
 * Each figure is process CPU time (see `cpuMicrosSince`), the median and range over `ROUNDS`
 * rounds after one warm-up round. The digest of
 * every outcome (stored accounts, changes, signals) must not move when only the speed should.
 * Run: `npm run bench:scoring-domain` (all parts) or `… -- batch evaluation` (some of them).
 */
const ACCOUNTS = 1_000;
const HISTORY_DAYS = 75;
const BATCH_EVENTS = 500;
const MAX_MEASURED_EVENTS = 20_000;
const ROUNDS = 7;
const NOW_MS = Date.UTC(2026, 11, 7, 12);
const APPLY_OPTIONS = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000, consumesPrevious: true } as const;

interface Population {
  /** The stored accounts as JSON (each round parses its own copy, as Postgres rows are). */
  readonly json: string;
  /** The measured events, in arrival order, in batches. */
  readonly batches: readonly TelemetryEvent[][];
  /** The split day: history arrived before it, the measured events on it. */
  readonly splitDay: number;
}

function buildPopulation(): Population {
  const generatedAt = performance.now();
  const base = generateCustomerBase({ seed: 'issue-17-scoring-domain', accounts: ACCOUNTS, days: HISTORY_DAYS + 1, nowMs: NOW_MS, seats: [5, 20], eventsPerActiveUser: 2.5, mix: backtestArchetypeMix });
  console.log(`generated ${base.events.length} events in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s`);
  const splitDay = dayOf(base.endTime) - 1;
  const splitAt = dayStart(splitDay);
  const states = new Map<string, AccountState>();
  const measured: TelemetryEvent[] = [];
  for (const { arrivedAt, event: simulated } of base.events) {
    const event: TelemetryEvent = { schemaVersion: 1, ...simulated, receivedAt: arrivedAt, source: 'native' };
    if (arrivedAt >= splitAt) {
      if (measured.length < MAX_MEASURED_EVENTS) measured.push(event);
      continue;
    }
    let state = states.get(event.accountId);
    if (!state) {
      state = emptyAccountState(event.accountId);
      states.set(event.accountId, state);
    }
    applyEvent(state, event, defaultScorecard.signals);
  }
  // Every account closed through the split day: a stored score and fingerprint, as in production.
  const open = new Map<string, StoredAccount>(
    [...states].map(([accountId, state]) => [accountId, { state, snapshot: null, drivers: null, sequence: 0, evaluatedAsOf: null, closedThrough: dayStart(splitDay - 1) }]),
  );
  const closed = closeAccountsDays(open, splitAt, defaultScorecard).accounts;
  const batches: TelemetryEvent[][] = [];
  for (let index = 0; index < measured.length; index += BATCH_EVENTS) batches.push(measured.slice(index, index + BATCH_EVENTS));
  return { json: JSON.stringify([...closed]), batches, splitDay };
}

/**
 * CPU time of this process since `startedAt` (µs, user + system, every thread: GC included). Not
 * wall time: on a machine shared with other work, the time spent waiting for a core is not the code's.
 */
function cpuMicrosSince(startedAt: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(startedAt);
  return user + system;
}

/**
 * A fresh copy of the population, the garbage of earlier rounds collected first when node runs
 * with `--expose-gc` (as `npm run bench:scoring-domain` does), so that no round pays for another's.
 */
function freshAccounts(population: Population): Map<string, StoredAccount> {
  const accounts = new Map(JSON.parse(population.json) as [string, StoredAccount][]);
  (globalThis as { gc?: () => void }).gc?.();
  return accounts;
}

/** One round of the batch path: µs per event, and the outcomes' digest. */
function batchRound(population: Population): { microsPerEvent: number; digest: string; events: number } {
  const accounts = freshAccounts(population);
  const hash = createHash('sha256');
  let elapsed = 0;
  let events = 0;
  for (const batch of population.batches) {
    const stored = new Map<string, StoredAccount>();
    for (const event of batch) {
      const account = accounts.get(event.accountId);
      if (account) stored.set(event.accountId, account);
    }
    const claimed = new Set(batch.map((event) => event.id));
    const startedAt = process.cpuUsage();
    firstCopies(batch);
    const outcome = applyEventBatch(batch, claimed, stored, defaultScorecard, APPLY_OPTIONS);
    elapsed += cpuMicrosSince(startedAt);
    events += batch.length;
    for (const [accountId, account] of outcome.accounts) accounts.set(accountId, account);
    hash.update(JSON.stringify([[...outcome.accounts], outcome.changes, outcome.fresh, outcome.redelivered, outcome.late, outcome.dropped, outcome.newestEventTime, outcome.accountIds]));
  }
  return { microsPerEvent: elapsed / events, digest: hash.digest('hex'), events };
}

/** One round of evaluations (one per account, as of the split day's last millisecond). */
function evaluationRound(population: Population): { microsPerEvaluation: number; digest: string } {
  const accounts = freshAccounts(population);
  const asOf = dayEnd(population.splitDay);
  const volumeThroughDay = population.splitDay - 1;
  const results: unknown[] = [];
  const startedAt = process.cpuUsage();
  for (const { state } of accounts.values()) {
    const derived = deriveSignals(state, dayOf(asOf), defaultScorecard.signals, volumeThroughDay);
    const evaluation = evaluateAccount(state, asOf, defaultScorecard, volumeThroughDay, derived);
    const signals = deriveAccountSignals(state, asOf, defaultScorecard, volumeThroughDay, derived);
    results.push([evaluation.snapshot, evaluation.drivers, evaluation.explanations, signals, signalFingerprint(signals)]);
  }
  const elapsed = cpuMicrosSince(startedAt);
  return { microsPerEvaluation: elapsed / accounts.size, digest: createHash('sha256').update(JSON.stringify(results)).digest('hex') };
}

/** One round of the day-roll: every account closes the split day (µs per account). */
function dayCloseRound(population: Population): { microsPerAccount: number; digest: string } {
  const accounts = freshAccounts(population);
  const startedAt = process.cpuUsage();
  // Handed over, as the day-roller hands over the rows it read for a chunk.
  const closed = closeAccountsDays(accounts, dayStart(population.splitDay + 1), defaultScorecard, { consumesPrevious: true });
  const elapsed = cpuMicrosSince(startedAt);
  const digest = createHash('sha256').update(JSON.stringify([[...closed.accounts], closed.changes])).digest('hex');
  return { microsPerAccount: elapsed / accounts.size, digest };
}

/** Runs `round` once to warm up, then `ROUNDS` times; the digest must be the same every round. */
function measure<T extends { digest: string }>(name: string, round: () => T, figure: (result: T) => number): { spread: Spread; digest: string } {
  const warmUp = round();
  const figures: number[] = [];
  for (let index = 0; index < ROUNDS; index += 1) {
    const result = round();
    if (result.digest !== warmUp.digest) throw new Error(`${name}: the outcome changed between rounds (${warmUp.digest} then ${result.digest})`);
    figures.push(figure(result));
  }
  return { spread: spread(figures), digest: warmUp.digest };
}

function format(name: string, unit: string, { spread: figures, digest }: { spread: Spread; digest: string }): string {
  const fixed = (value: number | null) => (value === null ? '–' : value.toFixed(2));
  return `${name.padEnd(11)} ${fixed(figures.median).padStart(8)} ${unit} (median of ${figures.n}; range ${fixed(figures.min)}–${fixed(figures.max)})  digest ${digest.slice(0, 16)}`;
}

const parts = ['batch', 'evaluation', 'day-close'] as const;

/** Runs the parts named on the command line (default: all of them). */
function main(selected: readonly string[]): void {
  const unknown = selected.filter((part) => !(parts as readonly string[]).includes(part));
  if (unknown.length > 0) throw new Error(`unknown part(s) ${unknown.join(', ')}: choose from ${parts.join(', ')}`);
  const runs = (part: (typeof parts)[number]) => selected.length === 0 || selected.includes(part);
  const builtAt = performance.now();
  const population = buildPopulation();
  const events = population.batches.reduce((sum, batch) => sum + batch.length, 0);
  console.log(`population: ${ACCOUNTS} accounts, ${HISTORY_DAYS} days of history, ${(population.json.length / ACCOUNTS / 1024).toFixed(1)} KiB of state JSON per account; ${events} events in ${population.batches.length} batches (built in ${((performance.now() - builtAt) / 1000).toFixed(1)} s)`);
  if (runs('batch')) console.log(format('batch', 'µs/event', measure('batch', () => batchRound(population), (result) => result.microsPerEvent)));
  if (runs('evaluation')) console.log(format('evaluation', 'µs/evaluation', measure('evaluation', () => evaluationRound(population), (result) => result.microsPerEvaluation)));
  if (runs('day-close')) console.log(format('day close', 'µs/account', measure('day close', () => dayCloseRound(population), (result) => result.microsPerAccount)));
}

main(process.argv.slice(2));
