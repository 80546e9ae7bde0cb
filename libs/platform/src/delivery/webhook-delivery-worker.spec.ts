import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FixedClock } from '../clock/clock';
import type { AppLogger } from '../logging/logger';
import { type ClaimedDelivery, type DeliveryResult, type DeliveryStore, WebhookDeliveryWorker } from './webhook-delivery-worker';

const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, fatal: () => undefined } as unknown as AppLogger;

describe('WebhookDeliveryWorker', () => {
  let server: Server;
  let url = '';

  beforeAll(async () => {
    server = createServer((_request, response) => response.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** One due row; `held` is what recording answers (false: the lease ran out and another claimer took the row). */
  async function deliverOnce(held: boolean): Promise<DeliveryResult[]> {
    const row: ClaimedDelivery = { id: 'd1', attempts: 0, claimedUntil: new Date(0) };
    let claimed = false;
    let recorded!: () => void;
    const done = new Promise<void>((resolve) => (recorded = resolve));
    const store: DeliveryStore<ClaimedDelivery> = {
      claimDue: async () => (claimed ? [] : ((claimed = true), [row])),
      recordDelivered: async () => {
        recorded();
        return held;
      },
      recordRetry: async () => held,
      recordFailed: async () => held,
      recordSkipped: async () => held,
    };
    const results: DeliveryResult[] = [];
    const worker = new WebhookDeliveryWorker({
      name: 'spec',
      store,
      plan: () => ({ send: { url, body: '{}', headers: {} } }),
      retry: { backoff: { initialMs: 1000, maxMs: 1000, factor: 2 }, maxAttempts: 3 },
      clock: new FixedClock(Date.parse('2026-12-07T00:00:00Z')),
      logger: quietLogger,
      onResult: (_delivery, result) => results.push(result),
      pollIntervalMs: 10,
    });
    worker.start();
    await done;
    await worker.stop();
    return results;
  }

  it('counts a result it recorded', async () => {
    expect(await deliverOnce(true)).toEqual(['delivered']);
  });

  it('does not count a result whose row was claimed again before it was recorded (the new claimer counts it)', async () => {
    expect(await deliverOnce(false)).toEqual([]);
  });
});
