import { telemetryEvent } from '@bellwether/testing';
import type { EntityManager } from 'typeorm';
import type { TelemetryEvent } from '@bellwether/contracts';
import { RecordResults, type DecodedBatch } from '@bellwether/kafka';
import { FixedClock, type Transactions } from '@bellwether/platform';
import { applyAccountEvents, applyEventBatch, defaultScorecard, type StoredAccount } from '@bellwether/scoring-domain';
import { ScoringEnv } from '../scoring.env';
import type { AccountStateRepository } from './account-state.repository';
import { EventsConsumer } from './events.consumer';
import type { ScoreCommitter } from './score-committer.service';
import type { WatermarkRepository } from './watermark.repository';

/** A typed fake of a class' public surface (what the unit under test can call). */
const fake = <T>(methods: { [K in keyof T]: T[K] }): T => methods as T;
const unused = (): never => {
  throw new Error('not used by this unit');
};

const event = (id: string, accountId: string, type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}): TelemetryEvent => telemetryEvent({ id, accountId, type, timestamp, properties });
const day = (n: number, hour = 10) => new Date(Date.UTC(2026, 2, 1) + n * 86_400_000 + hour * 3_600_000).toISOString();
const batchOf = (events: TelemetryEvent[], partition = 3): DecodedBatch<TelemetryEvent> => ({
  topic: 'bellwether.events.v1',
  partition,
  records: events.map((value, index) => ({ topic: 'bellwether.events.v1', partition, offset: String(100 + index), key: value.accountId, value, headers: {}, timestamp: '0' })),
  heartbeat: async () => undefined,
});
const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };

/**
 * The consumer's orchestration with typed fakes: a transaction that marks the work done inside
 * it, repositories that record what they were asked, the domain for real.
 */
function harness(setup: { claimed: (ids: string[]) => string[]; stored?: Map<string, StoredAccount>; clockMode?: 'wall' | 'event'; nowMs?: number; failOn?: 'write' }) {
  const manager = { transaction: 'the batch transaction' } as unknown as EntityManager;
  const calls: { name: string; inTransaction: boolean; args: unknown[] }[] = [];
  let inTransaction = false;
  const record = (name: string, ...args: unknown[]) => calls.push({ name, inTransaction, args });
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
  const accounts: AccountStateRepository = {
    claimEvents: async (tx, events) => {
      record('claimEvents', tx, events.map((e) => e.id));
      return new Set(setup.claimed(events.map((e) => e.id)));
    },
    lockAccounts: async (tx, accountIds) => {
      record('lockAccounts', tx, [...accountIds]);
      return new Map([...(setup.stored ?? new Map<string, StoredAccount>())].filter(([id]) => accountIds.includes(id)));
    },
    lockAccountsToClose: unused,
    saveAccounts: unused,
  };
  const watermarks = fake<WatermarkRepository>({
    readWatermark: unused,
    partitionWatermarks: unused,
    advancePartitionWatermark: async (tx, partition, to) => {
      record('advancePartitionWatermark', tx, partition, to);
    },
    advanceWatermark: unused,
    advanceClockTick: unused,
    saveRollProgress: unused,
    tryLockDayRoll: unused,
  });
  const committer = fake<ScoreCommitter>({
    write: async (tx, stored, changes, also) => {
      record('write', tx, stored, changes, also);
      if (setup.failOn === 'write') throw new Error('value too long for type character varying');
    },
    afterCommit: async (accountIds, enqueued) => {
      record('afterCommit', [...accountIds], enqueued);
    },
  });
  const env = Object.assign(new ScoringEnv(), { CLOCK_MODE: setup.clockMode ?? 'event', ALLOWED_LATENESS_DAYS: 30, GRACE_PERIOD_HOURS: 48 });
  const consumer = new EventsConsumer(transactions, accounts, watermarks, committer, new FixedClock(setup.nowMs ?? Date.parse(day(100))), env, defaultScorecard);
  const callsOf = (name: string) => calls.filter((call) => call.name === name);
  return { consumer, calls, callsOf, manager };
}

describe('EventsConsumer', () => {
  it('claims first copies, applies the claimed events, writes and moves the partition watermark in one transaction, then drops the cached views', async () => {
    const batch = [
      event('a1', 'acme', 'feature.used', day(0), { feature: 'reports' }),
      event('a1', 'acme', 'feature.used', day(0), { feature: 'reports' }),
      event('old', 'bolt', 'session.started', day(2)),
      event('a2', 'acme', 'nps.responded', day(1), { score: 9 }),
    ];
    const { consumer, calls, callsOf, manager } = harness({ claimed: (ids) => ids.filter((id) => id !== 'old') });
    const results = await consumer.handle(batchOf(batch));

    expect(results.size).toBe(0);
    expect(calls.map((call) => [call.name, call.inTransaction])).toEqual([
      ['claimEvents', true],
      ['lockAccounts', true],
      ['write', true],
      ['advancePartitionWatermark', true],
      ['afterCommit', false],
    ]);
    expect(calls.filter((call) => call.inTransaction).every((call) => call.args[0] === manager)).toBe(true);
    expect(callsOf('claimEvents')[0].args[1]).toEqual(['a1', 'old', 'a2']);
    expect(callsOf('lockAccounts')[0].args[1]).toEqual(['acme']);
    const expected = applyEventBatch(batch, new Set(['a1', 'a2']), new Map(), defaultScorecard, options);
    expect(callsOf('write')[0].args.slice(1)).toEqual([expected.accounts, expected.changes, undefined]);
    // The newest event time read, the redelivery's included: a function of the partition's log.
    expect(callsOf('advancePartitionWatermark')[0].args.slice(1)).toEqual([3, day(2)]);
    // Every account of the batch, the one with only a redelivery too.
    expect(callsOf('afterCommit')[0].args).toEqual([['acme', 'bolt'], true]);
  });

  it('answers drop with the reason for an event beyond the allowed lateness, at its offset, and ok for the others', async () => {
    const stored = applyAccountEvents('acme', null, [event('now', 'acme', 'session.started', day(60))], defaultScorecard, options).stored;
    const batch = [event('late', 'acme', 'nps.responded', day(50), { score: 2 }), event('ancient', 'acme', 'nps.responded', day(20), { score: 2 })];
    const { consumer } = harness({ claimed: (ids) => ids, stored: new Map([['acme', stored]]) });
    const results = await consumer.handle(batchOf(batch));
    expect([...results]).toEqual([['101', RecordResults.drop(`event time ${day(20)} is more than 30 days behind the account's newest event: outside every scoring window`)]]);
  });

  it('does not nudge the relay when nothing is published, yet drops the views of a batch of redeliveries', async () => {
    const { consumer, callsOf } = harness({ claimed: () => [] });
    await consumer.handle(batchOf([event('a1', 'acme', 'session.started', day(0))]));
    expect(callsOf('write')[0].args.slice(1)).toEqual([new Map(), [], undefined]);
    expect(callsOf('afterCommit')[0].args).toEqual([['acme'], false]);
  });

  it('in wall mode keeps the partition watermark within 5 minutes of the clock; in event mode it follows event time alone', async () => {
    const now = Date.parse(day(0, 9));
    const ahead = [event('f1', 'acme', 'session.started', day(0, 12))];
    const wall = harness({ claimed: (ids) => ids, clockMode: 'wall', nowMs: now });
    await wall.consumer.handle(batchOf(ahead));
    expect(wall.callsOf('advancePartitionWatermark')[0].args[2]).toBe(new Date(now + 5 * 60_000).toISOString());
    const replay = harness({ claimed: (ids) => ids, clockMode: 'event', nowMs: now });
    await replay.consumer.handle(batchOf(ahead));
    expect(replay.callsOf('advancePartitionWatermark')[0].args[2]).toBe(day(0, 12));
  });

  it('lets a failed write propagate (the batch is retried or bisected) without touching the cache or the relay', async () => {
    const { consumer, callsOf } = harness({ claimed: (ids) => ids, failOn: 'write' });
    await expect(consumer.handle(batchOf([event('a1', 'acme', 'nps.responded', day(0), { score: 2 })]))).rejects.toThrow('value too long');
    expect(callsOf('advancePartitionWatermark')).toHaveLength(0);
    expect(callsOf('afterCommit')).toHaveLength(0);
  });
});
