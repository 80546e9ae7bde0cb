import type { DependencyStatus } from '../health/health.registry';
import { createLogger } from '../logging/logger';
import { PipelineTimerLoop } from './pipeline-timer-loop';

describe('PipelineTimerLoop', () => {
  function harness(now: string | null, pass: (now: string) => Promise<number>) {
    const checks = new Map<string, () => DependencyStatus | Promise<DependencyStatus>>();
    const listeners: ((watermark: string) => void)[] = [];
    const clock = { current: now, now: () => clock.current, onAdvance: (listener: (watermark: string) => void) => (listeners.push(listener), () => listeners.splice(listeners.indexOf(listener), 1)) };
    const loop = new PipelineTimerLoop({
      name: 'spec-timers',
      intervalMs: 60_000,
      failureMessage: 'spec timers failed',
      clock,
      health: { register: (name, check) => void checks.set(name, check) },
      logger: createLogger('spec', 'silent'),
      pass,
    });
    return { loop, clock, listeners, readiness: () => checks.get('spec-timers')?.() };
  }

  it('does nothing before the clock has a time', async () => {
    const pass = jest.fn(async () => 1);
    const { loop } = harness(null, pass);
    expect(await loop.runOnce()).toBe(0);
    expect(pass).not.toHaveBeenCalled();
  });

  it('runs a pass at the clock now and shows its pipeline time in readiness', async () => {
    const pass = jest.fn(async () => 3);
    const { loop, readiness } = harness('2026-03-01T00:00:00.000Z', pass);
    loop.start();
    expect(await readiness()).toEqual({ ok: true, detail: 'waiting for the pipeline clock' });
    expect(await loop.runOnce()).toBe(3);
    expect(pass).toHaveBeenCalledWith('2026-03-01T00:00:00.000Z');
    expect(await readiness()).toEqual({ ok: true, detail: 'last pass at pipeline time 2026-03-01T00:00:00.000Z' });
    await loop.stop();
  });

  it('reports a failed pass as not ready until a pass succeeds', async () => {
    let fail = true;
    const { loop, readiness } = harness('2026-03-01T00:00:00.000Z', async () => {
      if (fail) throw new Error('database gone');
      return 0;
    });
    loop.start();
    expect(await loop.runOnce()).toBe(0);
    expect(await readiness()).toEqual({ ok: false, detail: 'database gone' });
    fail = false;
    await loop.runOnce();
    expect((await readiness())?.ok).toBe(true);
    await loop.stop();
  });

  it('runs a pass when the watermark advances, and stops following the clock when stopped', async () => {
    const seen: string[] = [];
    const { loop, clock, listeners } = harness('2026-03-01T00:00:00.000Z', async (now) => (seen.push(now), 0));
    loop.start();
    clock.current = '2026-03-02T00:00:00.000Z';
    for (const listener of listeners) listener('2026-03-02T00:00:00.000Z');
    const deadline = Date.now() + 5_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['2026-03-02T00:00:00.000Z']);
    await loop.stop();
    expect(listeners).toHaveLength(0);
  });
});
