import { fixedScorecards } from '../scorecards/scorecard-activations';
import { telemetryEvent } from '@bellwether/testing';
import type { EntityManager } from 'typeorm';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { KafkaConnection } from '@bellwether/kafka';
import { createLogger, HealthRegistry, type OutboxMessage, type Transactions } from '@bellwether/platform';
import { applyAccountEvents, closeAccountDays, defaultScorecard, type StoredAccount } from '@bellwether/scoring-domain';
import { ScoringEnv } from '../scoring.env';
import type { AccountStateRepository } from './account-state.repository';
import { DayRoller } from './day-roller';
import type { ScoreCommitter } from './score-committer.service';
import type { WatermarkRepository, WatermarkRow } from './watermark.repository';

/** A typed fake of a class' public surface (what the unit under test can call). */
const fake = <T>(methods: { [K in keyof T]: T[K] }): T => methods as T;
const unused = (): never => {
  throw new Error('not used by this unit');
};

const telemetry = (id: string, accountId: string, type: string, timestamp: string, properties: TelemetryEvent['properties']): TelemetryEvent => telemetryEvent({ id, accountId, type, timestamp, properties });
const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };
/** An onboarded 5-seat account busy through February, silent since. */
const storedAfter = (accountId: string): StoredAccount => {
  const events = [telemetry(`${accountId}-sub`, accountId, 'subscription.changed', '2026-02-01T09:00:00.000Z', { seats: 5, mrr: 1000, startDate: '2025-06-01T00:00:00.000Z' })];
  for (let day = 1; day <= 20; day += 1) {
    for (const feature of ['reports', 'dashboards', 'integrations']) {
      events.push({ ...telemetry(`${accountId}-${day}-${feature}`, accountId, 'feature.used', new Date(Date.UTC(2026, 1, day, 10)).toISOString(), { feature }), userId: `u${day % 4}` });
    }
  }
  return applyAccountEvents(accountId, null, events, defaultScorecard, options).stored;
};
// Watermark 2026-03-15 10:00, two grace periods of 48 h: days before 2026-03-11 are closable.
const WATERMARK = '2026-03-15T10:00:00.000Z';
const CLOSABLE = '2026-03-11T00:00:00.000Z';

function harness(setup: { locked?: boolean; progress?: Partial<WatermarkRow>; chunk?: string[]; chunkSize?: number }) {
  const manager = { transaction: 'roll' } as unknown as EntityManager;
  const calls: [string, ...unknown[]][] = [];
  /** Calls record whether they ran inside the transaction, on its manager. */
  let inTransaction = false;
  const transactions: Transactions = {
    run: async (work) => {
      inTransaction = true;
      try {
        return await work(manager);
      } finally {
        inTransaction = false;
      }
    },
  };
  const progress: WatermarkRow = { watermark: WATERMARK, clockTick: null, rolledThrough: null, rollTarget: null, rollCursor: null, ...setup.progress };
  const watermarks = fake<WatermarkRepository>({
    tryLockDayRoll: async () => setup.locked ?? true,
    readWatermark: async () => progress,
    partitionWatermarks: async () => new Map([[0, '2026-03-16T00:00:00.000Z'], [1, '2026-03-15T12:00:00.000Z']]),
    advanceWatermark: async (tx, to) => {
      calls.push(['advanceWatermark', inTransaction && tx === manager, to]);
      return to;
    },
    advanceClockTick: unused,
    settledPartitionWatermarks: unused,
    saveRollProgress: async (tx, saved) => void calls.push(['saveRollProgress', inTransaction && tx === manager, saved]),
  });
  const accounts = fake<AccountStateRepository>({
    claimAndLock: unused,
    lockAccountsAfter: unused,
    writeScores: unused,
    lockAccountsToClose: async (tx, cursor, boundary, limit) => {
      calls.push(['lockAccountsToClose', inTransaction && tx === manager, cursor, boundary, limit]);
      return new Map((setup.chunk ?? []).map((id) => [id, storedAfter(id)]));
    },
  });
  const committer = fake<ScoreCommitter>({
    write: async (tx, stored, changes, extras) => {
      calls.push(['write', inTransaction && tx === manager, stored, changes, extras]);
      return { ids: ['1'], messages: [] };
    },
    afterCommit: async (ids, committed) => void calls.push(['afterCommit', inTransaction, [...ids], committed.ids]),
  });
  const kafka = new KafkaConnection({ brokers: ['127.0.0.1:1'], clientId: 'day-roller-unit' });
  kafka.consumerPositions = async () => [
    { partition: 0, committedOffset: '10', lowOffset: '0', highOffset: '12' },
    { partition: 1, committedOffset: '7', lowOffset: '0', highOffset: '9' },
  ];
  const env = Object.assign(new ScoringEnv(), { CLOCK_MODE: 'event', GRACE_PERIOD_HOURS: 48, DAY_ROLL_CHUNK: setup.chunkSize ?? 2 });
  const roller = new DayRoller(transactions, watermarks, accounts, committer, kafka, env, new HealthRegistry(), createLogger('scoring', 'silent'), fixedScorecards(defaultScorecard));
  const callsOf = (name: string) => calls.filter(([called]) => called === name);
  return { roller, calls, callsOf };
}

describe('DayRoller', () => {
  it('does nothing while another replica holds the roll lock', async () => {
    const { roller, calls } = harness({ locked: false, chunk: ['a'] });
    expect(await roller.rollChunk()).toBe(0);
    expect(calls).toEqual([['afterCommit', false, [], []]]);
  });

  it('closes a full chunk through the closable boundary and stores its cursor, announcing no watermark yet', async () => {
    const { roller, callsOf } = harness({ chunk: ['a', 'b'], chunkSize: 2 });
    expect(await roller.rollChunk()).toBe(2);
    expect(callsOf('lockAccountsToClose')).toEqual([['lockAccountsToClose', true, null, CLOSABLE, 2]]);
    const closedA = closeAccountDays('a', storedAfter('a'), CLOSABLE, defaultScorecard);
    const closedB = closeAccountDays('b', storedAfter('b'), CLOSABLE, defaultScorecard);
    expect(closedA.changes.length).toBeGreaterThan(0);
    expect(callsOf('write')).toEqual([['write', true, new Map([['a', closedA.stored], ['b', closedB.stored]]), [...closedA.changes, ...closedB.changes], {}]]);
    expect(callsOf('saveRollProgress')).toEqual([['saveRollProgress', true, { rollTarget: CLOSABLE, rollCursor: 'b' }]]);
    expect(callsOf('afterCommit')).toEqual([['afterCommit', false, ['a', 'b'], ['1']]]);
  });

  it('finishes a roll with a partial chunk: the watermark message goes out with the changes and the boundary is stored', async () => {
    const { roller, callsOf } = harness({ chunk: ['c'], chunkSize: 2, progress: { rollTarget: CLOSABLE, rollCursor: 'b' } });
    expect(await roller.rollChunk()).toBe(1);
    expect(callsOf('lockAccountsToClose')[0].slice(2)).toEqual(['b', CLOSABLE, 2]);
    const watermark: OutboxMessage = { topic: Topics.watermarks, key: 'pipeline', payload: { schemaVersion: 1, watermark: WATERMARK, closedThrough: CLOSABLE } };
    expect(callsOf('write')[0][4]).toEqual({ alsoEnqueue: [watermark] });
    expect(callsOf('saveRollProgress')).toEqual([['saveRollProgress', true, { rollTarget: null, rollCursor: null, rolledThrough: CLOSABLE }]]);
  });

  it('has nothing to roll once every account is closed through the closable boundary', async () => {
    const { roller, callsOf } = harness({ chunk: ['a'], progress: { rolledThrough: CLOSABLE } });
    expect(await roller.rollChunk()).toBe(0);
    expect(callsOf('lockAccountsToClose')).toEqual([]);
    expect(callsOf('write')).toEqual([]);
  });

  it('moves the pipeline watermark to the minimum over the partitions, announces it in the same transaction and publishes it after the commit', async () => {
    const { roller, calls } = harness({ progress: { rolledThrough: CLOSABLE } });
    expect(await roller.advanceWatermark()).toBe('2026-03-15T12:00:00.000Z');
    expect(calls).toEqual([
      ['advanceWatermark', true, '2026-03-15T12:00:00.000Z'],
      ['write', true, new Map(), [], { alsoEnqueue: [{ topic: Topics.watermarks, key: 'pipeline', payload: { schemaVersion: 1, watermark: '2026-03-15T12:00:00.000Z', closedThrough: CLOSABLE } }] }],
      ['afterCommit', false, [], ['1']],
    ]);
  });
});
