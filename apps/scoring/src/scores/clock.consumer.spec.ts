import type { EntityManager } from 'typeorm';
import { Topics, type ClockTick } from '@bellwether/contracts';
import type { DecodedBatch } from '@bellwether/kafka';
import { FixedClock, type Transactions } from '@bellwether/platform';
import { ScoringEnv } from '../scoring.env';
import { ClockConsumer } from './clock.consumer';
import type { DayRoller } from './day-roller';
import type { WatermarkRepository } from './watermark.repository';

/** A typed fake of a class' public surface (what the unit under test can call). */
const fake = <T>(methods: { [K in keyof T]: T[K] }): T => methods as T;
const unused = (): never => {
  throw new Error('not used by this unit');
};

const ticks = (...watermarks: string[]): DecodedBatch<ClockTick> => ({
  topic: Topics.clock,
  partition: 0,
  records: watermarks.map((watermark, index) => ({ topic: Topics.clock, partition: 0, offset: String(index), key: null, value: { schemaVersion: 1, watermark }, headers: {}, timestamp: '0' })),
  heartbeat: async () => undefined,
});

function harness(clockMode: 'wall' | 'event', nowMs: number) {
  const manager = { transaction: 'tick' } as unknown as EntityManager;
  const calls: [string, ...unknown[]][] = [];
  const transactions: Transactions = { run: (work) => work(manager) };
  const watermarks = fake<WatermarkRepository>({
    readWatermark: unused,
    partitionWatermarks: unused,
    settledPartitionWatermarks: unused,
    advanceWatermark: unused,
    advanceClockTick: async (tx, to) => void calls.push(['advanceClockTick', tx === manager, to]),
    saveRollProgress: unused,
    tryLockDayRoll: unused,
  });
  const roller = fake<DayRoller>({ onApplicationBootstrap: unused, onApplicationShutdown: unused, advanceWatermark: unused, rollChunk: unused, nudge: () => void calls.push(['nudge']) });
  const env = Object.assign(new ScoringEnv(), { CLOCK_MODE: clockMode });
  return { consumer: new ClockConsumer(transactions, watermarks, roller, new FixedClock(nowMs), env), calls };
}

describe('ClockConsumer', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');

  it('in wall mode keeps the newest tick, at most a minute ahead of the clock, and nudges the day-roller', async () => {
    const { consumer, calls } = harness('wall', now);
    expect((await consumer.handle(ticks('2026-03-01T09:59:00.000Z', '2026-03-01T09:59:30.000Z', '2026-03-01T09:58:00.000Z'))).size).toBe(0);
    await consumer.handle(ticks('2026-03-01T11:00:00.000Z'));
    expect(calls).toEqual([['advanceClockTick', true, '2026-03-01T09:59:30.000Z'], ['nudge'], ['advanceClockTick', true, '2026-03-01T10:01:00.000Z'], ['nudge']]);
  });

  it('in event mode ignores ticks: only event time moves the watermark', async () => {
    const { consumer, calls } = harness('event', now);
    expect((await consumer.handle(ticks('2026-03-01T09:59:00.000Z'))).size).toBe(0);
    expect(calls).toEqual([]);
  });
});
