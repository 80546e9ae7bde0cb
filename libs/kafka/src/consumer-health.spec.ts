import { consumerHealth, type ConsumerLoopState } from './consumer-health';

const now = Date.parse('2025-03-01T12:00:00Z');
const stallAfterMs = 60_000;
const idle: ConsumerLoopState = { running: true, crashed: null, gaveUp: null, retrying: null, busySince: null, lastActivityAt: now - 1000 };

describe('consumerHealth', () => {
  it('a polling loop between batches is ready and live', () => {
    expect(consumerHealth(idle, now, stallAfterMs)).toMatchObject({ healthy: true, live: true, detail: 'ok' });
  });

  it('a loop retrying a transient error is not ready but live, until the retry outlasts the stall limit', () => {
    const retrying: ConsumerLoopState = { ...idle, busySince: now - 5000, retrying: { since: now - 5000, attempt: 3, error: 'connect ECONNREFUSED' } };
    const early = consumerHealth(retrying, now, stallAfterMs);
    expect(early).toMatchObject({ healthy: false, live: true });
    expect(early.detail).toContain('attempt 3');
    expect(early.detail).toContain('ECONNREFUSED');
    const late = consumerHealth({ ...retrying, busySince: now - 61_000, lastActivityAt: now - 500 }, now, stallAfterMs);
    expect(late).toMatchObject({ healthy: false, live: false });
    expect(late.detail).toMatch(/^stalled/);
  });

  it('a loop that stopped polling (its consumer died with the process up) is not live', () => {
    const health = consumerHealth({ ...idle, lastActivityAt: now - 61_000 }, now, stallAfterMs);
    expect(health).toMatchObject({ healthy: false, live: false });
    expect(health.detail).toContain('no batch finished and no poll for 61 s');
  });

  it('a crashed loop waiting for its restart is not ready, and not live once it stalls', () => {
    expect(consumerHealth({ ...idle, crashed: 'The coordinator is not aware of this member' }, now, stallAfterMs)).toMatchObject({ healthy: false, live: true });
    expect(consumerHealth({ ...idle, crashed: 'x', lastActivityAt: now - 90_000 }, now, stallAfterMs)).toMatchObject({ healthy: false, live: false });
  });

  it('a loop that gave up restarting is neither ready nor live', () => {
    const health = consumerHealth({ ...idle, running: false, gaveUp: 'broker unreachable' }, now, stallAfterMs);
    expect(health).toMatchObject({ healthy: false, live: false });
    expect(health.detail).toContain('gave up');
  });

  it('a loop not started (or stopped for shutdown) is not ready but not stuck', () => {
    expect(consumerHealth({ ...idle, running: false, lastActivityAt: now - 600_000 }, now, stallAfterMs)).toMatchObject({ healthy: false, live: true });
  });
});
