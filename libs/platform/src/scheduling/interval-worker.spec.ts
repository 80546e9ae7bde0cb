import { IntervalWorker } from './interval-worker';

describe('IntervalWorker', () => {
  it('never runs two passes at once, runs on nudge, and waits for a pass on stop', async () => {
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    let release: () => void = () => undefined;
    const worker = new IntervalWorker(60_000, async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => (release = resolve));
      active -= 1;
      passes += 1;
    });
    worker.nudge();
    expect(passes + active).toBe(0);
    worker.start();
    worker.nudge();
    worker.nudge();
    expect(active).toBe(1);
    const stopped = worker.stop();
    release();
    await stopped;
    expect(passes).toBe(1);
    expect(maxActive).toBe(1);
    worker.nudge();
    expect(active).toBe(0);
  });
});
