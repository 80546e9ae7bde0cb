import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { Topics, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

/** Unmodified Segment and RudderStack SDKs (and analytics-go's wire format), pointed at Bellwether. */
describe('Segment-compatible clients against the running services', () => {
  const stack = new Stack(4200);
  let writeKey = '';

  beforeAll(async () => {
    await stack.start();
    // The SDKs' group calls set the owner (csmId): a server-side key with accounts:write, as a CRM sync's.
    writeKey = await stack.createKey('ingest,accounts:write');
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('group, identify, track and page calls become Bellwether events and a score for the account', async () => {
    const accountId = `seg-acct-${randomUUID()}`;
    const userId = `seg-user-${randomUUID()}`;
    const failures: unknown[] = [];
    const analytics = new Analytics({ writeKey, host: stack.services.ingestion.baseUrl, path: '/v1/batch', flushAt: 20, flushInterval: 200, maxRetries: 1 });
    analytics.on('error', (error) => failures.push(error));

    analytics.group({ userId, groupId: accountId, traits: { name: 'Acme', plan: 'pro', seats: 10, mrr: 2500, csmId: 'csm-seg' } });
    analytics.identify({ userId, traits: { email: 'ana@example.com' } });
    analytics.track({ userId, event: 'Feature Used', properties: { feature: 'reports' } });
    analytics.track({ userId, event: 'Report Exported', properties: { format: 'csv' } });
    analytics.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(failures).toEqual([]);

    const events = await waitFor(
      () => {
        const seen = stack.records(Topics.events, accountId).map((record) => record.value as TelemetryEvent);
        return seen.length >= 4 ? seen : undefined;
      },
      { description: 'the SDK events on bellwether.events.v1', timeoutMs: 30_000 },
    );
    expect(events.map((event) => event.type)).toEqual(['account.updated', 'feature.used', 'track.report_exported', 'page.viewed']);
    expect(events.every((event) => event.source === 'segment' && event.userId === userId)).toBe(true);
    expect(events[0]?.properties).toEqual({ traits: { name: 'Acme', plan: 'pro', seats: 10, mrr: 2500, csmId: 'csm-seg' } });

    const score = await stack.waitForRecord(Topics.scores, 'a score for the Segment account', (value) => value['accountId'] === accountId);
    expect((score.value as ScoreChanged).account.csmId).toBe('csm-seg');
  });

  it('@segment/analytics-node with flushAt 600 sends one batch of 600 messages, all accepted and scored', async () => {
    const accountId = `seg600-acct-${randomUUID()}`;
    const userId = `seg600-user-${randomUUID()}`;
    const failures: unknown[] = [];
    const batchSizes: number[] = [];
    const statuses: number[] = [];
    const analytics = new Analytics({ writeKey, host: stack.services.ingestion.baseUrl, path: '/v1/batch', flushAt: 600, flushInterval: 30_000, maxRetries: 1 });
    analytics.on('error', (error) => failures.push(error));
    analytics.on('http_request', (request) => batchSizes.push((JSON.parse(request.body) as { batch: unknown[] }).batch.length));
    analytics.on('http_response', (response) => statuses.push(response.status));

    analytics.group({ userId, groupId: accountId, traits: { name: 'Big Batch Inc', plan: 'pro', seats: 25, mrr: 4000, csmId: 'csm-600' } });
    for (let n = 1; n < 600; n += 1) analytics.track({ userId, event: 'Feature Used', properties: { feature: `feature-${n % 7}` } });
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect({ failures, batchSizes, statuses }).toEqual({ failures: [], batchSizes: [600], statuses: [200] });

    await waitFor(() => (stack.records(Topics.events, accountId).length >= 600 ? true : undefined), { description: '600 events on bellwether.events.v1', timeoutMs: 30_000 });
    expect(stack.records(Topics.events, accountId)).toHaveLength(600);
    const score = await stack.waitForRecord(Topics.scores, 'a score for the 600-message account', (value) => value['accountId'] === accountId);
    expect((score.value as ScoreChanged).account.csmId).toBe('csm-600');
  });

  it('@rudderstack/rudder-sdk-node with its defaults (gzip bodies labelled form-urlencoded, timestamp on the envelope) is accepted and scored', async () => {
    const accountId = `rudder-acct-${randomUUID()}`;
    const userId = `rudder-user-${randomUUID()}`;
    const failures: unknown[] = [];
    // Defaults apart from where to send and where to report errors (instead of an unhandled rejection).
    const rudder = new RudderAnalytics(writeKey, { dataPlaneUrl: stack.services.ingestion.baseUrl, errorHandler: (error: unknown) => failures.push(error) });

    rudder.group({ userId, groupId: accountId, traits: { name: 'Rudder Co', plan: 'pro', seats: 8, mrr: 1200, csmId: 'csm-rudder' } });
    rudder.identify({ userId, traits: { email: 'rudder@example.com' } });
    rudder.track({ userId, event: 'Feature Used', properties: { feature: 'reports' } });
    rudder.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
    // The flush callback gets what was sent: a Buffer when the SDK gzipped the batch.
    const sent = await new Promise<unknown>((resolveFlush) => void rudder.flush((_error, data) => resolveFlush(data)));
    expect(Buffer.isBuffer(sent)).toBe(true);
    expect(failures).toEqual([]);

    const events = await waitFor(
      () => {
        const seen = stack.records(Topics.events, accountId).map((record) => record.value as TelemetryEvent);
        return seen.length >= 3 ? seen : undefined;
      },
      { description: 'the RudderStack events on bellwether.events.v1', timeoutMs: 30_000 },
    );
    expect(events.map((event) => event.type)).toEqual(['account.updated', 'feature.used', 'page.viewed']);
    const score = await stack.waitForRecord(Topics.scores, 'a score for the RudderStack account', (value) => value['accountId'] === accountId);
    expect((score.value as ScoreChanged).account.csmId).toBe('csm-rudder');
  });

  it('the analytics-go batch envelope (type, messageId, sentAt, context next to batch) is accepted and scored', async () => {
    const accountId = `go-acct-${randomUUID()}`;
    const userId = `go-user-${randomUUID()}`;
    // Go's time.Time marshals as RFC 3339 with nanoseconds.
    const goTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, '.$1456789Z');
    const library = { name: 'analytics-go', version: '3.3.0' };
    const body = {
      type: 'batch',
      messageId: randomUUID(),
      sentAt: goTime(new Date()),
      batch: [
        { type: 'group', messageId: randomUUID(), userId, groupId: accountId, timestamp: goTime(new Date()), context: { library }, traits: { name: 'Gopher GmbH', plan: 'team', seats: 5, mrr: 800, csmId: 'csm-go' } },
        { type: 'track', messageId: randomUUID(), userId, event: 'Feature Used', timestamp: goTime(new Date()), context: { library }, properties: { feature: 'exports' } },
      ],
      context: { library },
    };
    const response = await stack.post('/v1/batch', body, { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'user-agent': 'analytics-go (version: 3.3.0)' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, accepted: 2, duplicates: 0, skipped: [] });
    const score = await stack.waitForRecord(Topics.scores, 'a score for the analytics-go account', (value) => value['accountId'] === accountId);
    expect((score.value as ScoreChanged).account.csmId).toBe('csm-go');
  });

  describe('size limits on the Segment routes', () => {
    const basic = () => ({ authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });
    const track = (properties: Record<string, unknown>) => ({ type: 'track', userId: 'u-limits', event: 'Feature Used', context: { groupId: 'limits-acct' }, properties });
    const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: 1 } : { next: deep(levels - 1) });

    it.each([
      ['a message over 32 KB on /v1/batch', 413, '/v1/batch', { batch: [track({ blob: 'x'.repeat(40_000) })] }, /bytes; the limit is 32768/],
      ['a message over 32 KB on /v1/track', 413, '/v1/track', track({ blob: 'x'.repeat(40_000) }), /bytes; the limit is 32768/],
      ['properties nested deeper than 8', 400, '/v1/batch', { batch: [track(deep(12))] }, /nested deeper than 8/],
    ])('answers %s with %d', async (_, status, path, body, message) => {
      const response = await stack.post(path, body, basic());
      expect(response.status).toBe(status);
      expect(JSON.stringify(await response.json())).toMatch(message);
    });

    it('answers a gzip bomb with 413 (the limit counts decompressed bytes)', async () => {
      const bomb = gzipSync(Buffer.concat([Buffer.from('{"batch":[{"type":"track","userId":"u","event":"e","properties":{"blob":"'), Buffer.alloc(50_000_000, 0x61), Buffer.from('"}}]}')]));
      const response = await stack.postRaw('/v1/batch', bomb, { ...basic(), 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect([response.status, response.text]).toEqual([413, expect.stringContaining('after decompression')]);
    });

    it('accepts a text/plain beacon holding JSON', async () => {
      const response = await stack.post('/v1/track', JSON.stringify(track({ feature: 'beacon' })), { ...basic(), 'content-type': 'text/plain;charset=UTF-8' });
      expect(response.status).toBe(200);
    });
  });
});
