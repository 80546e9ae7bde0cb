import { randomUUID } from 'node:crypto';
import { Analytics } from '@segment/analytics-node';
import { Topics, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

/** An unmodified Segment server SDK, pointed at Bellwether instead of api.segment.io. */
describe('the Segment SDK (@segment/analytics-node) against the running services', () => {
  const stack = new Stack(4200);
  let writeKey = '';

  beforeAll(async () => {
    await stack.start();
    writeKey = await stack.createKey('ingest');
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
});
