import { Topics } from '@bellwether/contracts';
import type { MessageProducer } from '@bellwether/kafka';
import { createLogger, FixedClock } from '@bellwether/platform';
import { IngestionEnv } from '../ingestion.env';
import { ClockTicker } from './clock-ticker';

describe('ClockTicker', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');

  function harness(clockMode: 'wall' | 'event') {
    const sent: [string, unknown][] = [];
    const producer = { send: async (topic: string, messages: { value: unknown }[]) => void sent.push([topic, messages[0]?.value]) } as unknown as MessageProducer;
    const env = Object.assign(new IngestionEnv(), { CLOCK_MODE: clockMode, CLOCK_TICK_SECONDS: 3600 });
    return { ticker: new ClockTicker(producer, env, new FixedClock(now), createLogger('clock-ticker-spec', 'silent')), sent };
  }

  it('in wall mode ticks at start with the clock time as the watermark', async () => {
    const { ticker, sent } = harness('wall');
    ticker.onApplicationBootstrap();
    ticker.onApplicationShutdown();
    await Promise.resolve();
    expect(sent).toEqual([[Topics.clock, { schemaVersion: 1, watermark: '2026-03-01T10:00:00.000Z' }]]);
  });

  it('in event mode never ticks', async () => {
    const { ticker, sent } = harness('event');
    ticker.onApplicationBootstrap();
    ticker.onApplicationShutdown();
    await Promise.resolve();
    expect(sent).toEqual([]);
  });
});
