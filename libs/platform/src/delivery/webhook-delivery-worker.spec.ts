import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FixedClock } from '../clock/clock';
import type { AppLogger } from '../logging/logger';
import { type ClaimedDelivery, type DeliveryResult, type DeliveryStore, WebhookDeliveryWorker, type WebhookDeliveryWorkerOptions } from './webhook-delivery-worker';

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

  /** One due row planned by `plan`; resolves with what was recorded, as `<method> <attempts> <error>`. */
  async function recordOf(plan: WebhookDeliveryWorkerOptions<ClaimedDelivery>['plan']): Promise<string> {
    const row: ClaimedDelivery = { id: 'd2', attempts: 0, claimedUntil: new Date(0) };
    let claimed = false;
    let record!: (what: string) => void;
    const recorded = new Promise<string>((resolve) => (record = resolve));
    const store: DeliveryStore<ClaimedDelivery> = {
      claimDue: async () => (claimed ? [] : ((claimed = true), [row])),
      recordDelivered: async (_row, attempts) => record(`delivered ${attempts}`),
      recordRetry: async (_row, attempts, error) => record(`retry ${attempts} ${error}`),
      recordFailed: async (_row, attempts, error) => record(`failed ${attempts} ${error}`),
      recordSkipped: async (_row, reason) => record(`skipped ${reason}`),
    };
    const worker = new WebhookDeliveryWorker({
      name: 'spec',
      store,
      plan,
      retry: { backoff: { initialMs: 1000, maxMs: 1000, factor: 2 }, maxAttempts: 3 },
      clock: new FixedClock(Date.parse('2026-12-07T00:00:00Z')),
      logger: quietLogger,
      pollIntervalMs: 10,
      requestTimeoutMs: 1234,
    });
    worker.start();
    const what = await recorded;
    await worker.stop();
    return what;
  }

  it("makes another channel's attempt with the request timeout, and fails a permanent refusal at its first attempt", async () => {
    let timeout = 0;
    const what = await recordOf(() => ({
      attempt: async (timeoutMs) => {
        timeout = timeoutMs;
        return { error: 'SMTP 550 no such user', permanent: true };
      },
    }));
    expect(what).toBe('failed 1 SMTP 550 no such user');
    expect(timeout).toBe(1234);
  });

  it("retries another channel's transient failure and records its success", async () => {
    expect(await recordOf(() => ({ attempt: async () => ({ error: 'SMTP 451 later', permanent: false }) }))).toBe('retry 1 SMTP 451 later');
    expect(await recordOf(() => ({ attempt: async () => null }))).toBe('delivered 1');
  });

  it('counts a plan that throws as a failed attempt, so the row is not claimed forever', async () => {
    expect(
      await recordOf(() => {
        throw new Error('no such step');
      }),
    ).toBe('retry 1 could not prepare the delivery: no such step');
  });
});
