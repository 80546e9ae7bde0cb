import { fixedScorecards } from '../scorecards/scorecard-activations';
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
  const accounts = fake<AccountStateRepository>({
    claimAndLock: async (tx, events) => {
      const claimed = new Set(setup.claimed(events.map((e) => e.id)));
      const claimedAccounts = new Set(events.filter((e) => claimed.has(e.id)).map((e) => e.accountId));
      record('claimAndLock', tx, events.map((e) => e.id));
      return { claimed, stored: new Map([...(setup.stored ?? new Map<string, StoredAccount>())].filter(([id]) => claimedAccounts.has(id))) };
    },
    lockAccountsToClose: unused,
    lockAccountsAfter: unused,
    writeScores: unused,
  });
  const rows = { ids: ['7'], messages: [] };
  const committer = fake<ScoreCommitter>({
    write: async (tx, stored, changes, extras) => {
      record('write', tx, stored, changes, extras);
      if (setup.failOn === 'write') throw new Error('value too long for type character varying');
      return rows;
    },
    afterCommit: async (accountIds, committed) => {
      record('afterCommit', [...accountIds], committed);
    },
  });
  const env = Object.assign(new ScoringEnv(), { CLOCK_MODE: setup.clockMode ?? 'event', ALLOWED_LATENESS_DAYS: 30, GRACE_PERIOD_HOURS: 48 });
  const consumer = new EventsConsumer(transactions, accounts, committer, new FixedClock(setup.nowMs ?? Date.parse(day(100))), env, fixedScorecards(defaultScorecard));
  const callsOf = (name: string) => calls.filter((call) => call.name === name);
  return { consumer, calls, callsOf, manager, rows };
}

describe('EventsConsumer', () => {
  it('claims first copies and reads their accounts, applies the claimed events, writes them with the partition watermark in one transaction, then drops the cached views and publishes', async () => {
    const batch = [
      event('a1', 'acme', 'feature.used', day(0), { feature: 'reports' }),
      event('a1', 'acme', 'feature.used', day(0), { feature: 'reports' }),
      event('old', 'bolt', 'session.started', day(2)),
      event('a2', 'acme', 'nps.responded', day(1), { score: 9 }),
    ];
    const { consumer, calls, callsOf, manager, rows } = harness({ claimed: (ids) => ids.filter((id) => id !== 'old') });
    const results = await consumer.handle(batchOf(batch));

    expect(results.size).toBe(0);
    expect(calls.map((call) => [call.name, call.inTransaction])).toEqual([
      ['claimAndLock', true],
      ['write', true],
      ['afterCommit', false],
    ]);
    expect(calls.filter((call) => call.inTransaction).every((call) => call.args[0] === manager)).toBe(true);
    expect(callsOf('claimAndLock')[0].args[1]).toEqual(['a1', 'old', 'a2']);
    const expected = applyEventBatch(batch, new Set(['a1', 'a2']), new Map(), defaultScorecard, options);
    // The newest event time read, the redelivery's included: a function of the partition's log.
    // acme had no row when read: created, so the write never lets it overwrite a row a concurrent batch inserted.
    expect(callsOf('write')[0].args.slice(1)).toEqual([expected.accounts, expected.changes, { partitionWatermark: { partition: 3, watermark: day(2) }, created: new Set(['acme']) }]);
    // Every account of the batch, the one with only a redelivery too; the rows just written.
    expect(callsOf('afterCommit')[0].args).toEqual([['acme', 'bolt'], rows]);
  });

  it('answers drop with the reason for an event beyond the allowed lateness, at its offset, and ok for the others', async () => {
    const stored = applyAccountEvents('acme', null, [event('now', 'acme', 'session.started', day(60))], defaultScorecard, options).stored;
    const batch = [event('late', 'acme', 'nps.responded', day(50), { score: 2 }), event('ancient', 'acme', 'nps.responded', day(20), { score: 2 })];
    const { consumer } = harness({ claimed: (ids) => ids, stored: new Map([['acme', stored]]) });
    const results = await consumer.handle(batchOf(batch));
    expect([...results]).toEqual([['101', RecordResults.drop(`event time ${day(20)} is more than 30 days behind the account's newest event: outside every scoring window`)]]);
  });

  it('writes only the watermark for a batch of redeliveries, and drops their views', async () => {
    const { consumer, callsOf, rows } = harness({ claimed: () => [] });
    await consumer.handle(batchOf([event('a1', 'acme', 'session.started', day(0))]));
    expect(callsOf('write')[0].args.slice(1)).toEqual([new Map(), [], { partitionWatermark: { partition: 3, watermark: day(0) } }]);
    expect(callsOf('afterCommit')[0].args).toEqual([['acme'], rows]);
  });

  it('in wall mode keeps the partition watermark within 5 minutes of the clock; in event mode it follows event time alone', async () => {
    const now = Date.parse(day(0, 9));
    const ahead = [event('f1', 'acme', 'session.started', day(0, 12))];
    const wall = harness({ claimed: (ids) => ids, clockMode: 'wall', nowMs: now });
    await wall.consumer.handle(batchOf(ahead));
    expect((wall.callsOf('write')[0].args[3] as { partitionWatermark: { watermark: string } }).partitionWatermark.watermark).toBe(new Date(now + 5 * 60_000).toISOString());
    const replay = harness({ claimed: (ids) => ids, clockMode: 'event', nowMs: now });
    await replay.consumer.handle(batchOf(ahead));
    expect((replay.callsOf('write')[0].args[3] as { partitionWatermark: { watermark: string } }).partitionWatermark.watermark).toBe(day(0, 12));
  });

  it('lets a failed write propagate (the batch is retried or bisected) without touching the cache or the relay', async () => {
    const { consumer, callsOf } = harness({ claimed: (ids) => ids, failOn: 'write' });
    await expect(consumer.handle(batchOf([event('a1', 'acme', 'nps.responded', day(0), { score: 2 })]))).rejects.toThrow('value too long');
    expect(callsOf('afterCommit')).toHaveLength(0);
  });
});
