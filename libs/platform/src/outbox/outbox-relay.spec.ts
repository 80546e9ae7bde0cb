import type { DataSource } from 'typeorm';
import type { MessageProducer } from '@bellwether/kafka';
import { waitFor } from '@bellwether/testing';
import { FixedClock } from '../clock/clock';
import { createLogger } from '../logging/logger';
import { OutboxRelay } from './outbox-relay';

describe('OutboxRelay health', () => {
  it('reports a publish failure only once it has lasted 30 s by the injected clock', async () => {
    const clock = new FixedClock(Date.parse('2026-01-01T00:00:00Z'));
    let attempts = 0;
    // The database is unreachable: every pass fails before it reaches the producer.
    const dataSource = {
      transaction: async () => {
        attempts += 1;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
    } as unknown as DataSource;
    const logger = createLogger('outbox-relay-spec', 'silent');
    const relay = new OutboxRelay(dataSource, {} as MessageProducer, logger, clock, { schema: 'spec', backoff: { initialMs: 10, maxMs: 10, factor: 1 } });
    relay.start();
    try {
      await waitFor(() => attempts >= 2, { description: 'two failed passes', timeoutMs: 5000 });
      expect(relay.health()).toEqual({ ok: true });
      clock.advance(30_001);
      const health = relay.health();
      expect(health.ok).toBe(false);
      expect(health.detail).toContain('outbox relay failing since 2026-01-01T00:00:00.000Z');
      expect(health.detail).toContain('ECONNREFUSED');
    } finally {
      await relay.stop();
    }
  });
});
