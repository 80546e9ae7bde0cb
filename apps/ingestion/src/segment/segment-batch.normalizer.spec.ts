import { normalizeSegmentBatch, type SegmentNormalizeContext } from './segment-batch.normalizer';
import { bellwetherTypeOf, defaultTrackEventMap } from './track-event-map';

const receivedAtMs = Date.parse('2026-03-01T12:00:00Z');
const context: SegmentNormalizeContext = {
  receivedAtMs,
  trackEventMap: defaultTrackEventMap,
  knownAccounts: new Map([['u-known', 'globex']]),
  limits: { maxEventsPerBatch: 10, maxMessageBytes: 1024, maxPropertyDepth: 3, maxFutureSkewMs: 300_000 },
};

const track = (overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  messageId: 'm1',
  userId: 'u1',
  event: 'Feature Used',
  timestamp: '2026-03-01T11:00:00Z',
  properties: { feature: 'reports' },
  context: { groupId: 'acme' },
  ...overrides,
});

function accepted(body: unknown) {
  const result = normalizeSegmentBatch(body, context);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

describe('normalizeSegmentBatch', () => {
  it('maps a track call through the event table, keeping the account from context.groupId', () => {
    expect(accepted({ batch: [track()] }).events).toEqual([
      { id: 'm1', type: 'feature.used', accountId: 'acme', userId: 'u1', timestamp: '2026-03-01T11:00:00.000Z', properties: { feature: 'reports' } },
    ]);
  });

  it('corrects client clock skew: timestamp = receivedAt − (sentAt − timestamp)', () => {
    // The client clock runs 2 hours fast: it stamped the event 13:00 and sent it at 13:05.
    const result = accepted({ batch: [track({ timestamp: '2026-03-01T13:00:00Z' })], sentAt: '2026-03-01T13:05:00Z' });
    expect(result.events[0]?.timestamp).toBe('2026-03-01T11:55:00.000Z');
  });

  it('rejects an event still far in the future after correction', () => {
    const result = normalizeSegmentBatch({ batch: [track({ timestamp: '2026-03-02T12:00:00Z' })] }, context);
    expect(result).toEqual({ ok: false, status: 400, errors: [{ index: 0, path: 'timestamp', message: 'is 86400 s in the future after clock-skew correction' }] });
  });

  it('resolves the account from properties.accountId, from a group call in the same batch, or from an earlier group call', () => {
    const result = accepted({
      batch: [
        track({ messageId: 'a', context: {}, properties: { accountId: 'initech' } }),
        { type: 'group', messageId: 'g', userId: 'u2', groupId: 'hooli', traits: { plan: 'enterprise', seats: 40, mrr: 9000 } },
        track({ messageId: 'b', userId: 'u2', context: {} }),
        track({ messageId: 'c', userId: 'u-known', context: {} }),
      ],
    });
    expect(result.events.map((event) => [event.id, event.accountId, event.type])).toEqual([
      ['a', 'initech', 'feature.used'],
      ['g', 'hooli', 'account.updated'],
      ['b', 'hooli', 'feature.used'],
      ['c', 'globex', 'feature.used'],
    ]);
    expect(result.events[1]?.properties).toEqual({ traits: { plan: 'enterprise', seats: 40, mrr: 9000 } });
    expect([...result.links]).toEqual([['u2', 'hooli']]);
  });

  it('skips, with a reason, valid messages that carry no account', () => {
    const result = accepted({ batch: [track({ userId: 'stranger', context: {} }), { type: 'alias', userId: 'u1', previousId: 'anon' }] });
    expect(result.events).toEqual([]);
    expect(result.skipped.map((skip) => skip.index)).toEqual([0, 1]);
    expect(result.skipped[0]?.reason).toContain('no account');
  });

  it('turns page calls into page.viewed with a path', () => {
    const result = accepted({ batch: [{ type: 'page', messageId: 'p', userId: 'u1', name: 'Pricing', properties: { path: '/pricing' }, context: { groupId: 'acme' } }] });
    expect(result.events[0]).toMatchObject({ type: 'page.viewed', properties: { path: '/pricing', name: 'Pricing' } });
  });

  it('derives a stable id for a message without messageId, so a retry dedups', () => {
    const message = track({ messageId: undefined });
    delete (message as Record<string, unknown>)['messageId'];
    const first = accepted({ batch: [message] }).events[0]?.id;
    expect(first).toMatch(/^seg_[0-9a-f]{32}$/);
    expect(accepted({ batch: [{ ...message }] }).events[0]?.id).toBe(first);
  });

  it.each([
    ['a message without userId or anonymousId', { type: 'track', event: 'x', messageId: 'm' }, ''],
    ['an unknown type', { type: 'purchase', userId: 'u' }, 'type'],
    ['a track without event name', { type: 'track', userId: 'u', messageId: 'm' }, 'event'],
    ['a group without groupId', { type: 'group', userId: 'u', messageId: 'm' }, 'groupId'],
    ['a bad timestamp', { type: 'track', userId: 'u', event: 'x', timestamp: 'yesterday' }, 'timestamp'],
  ])('rejects the batch for %s', (_, message, path) => {
    const result = normalizeSegmentBatch({ batch: [message] }, context);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContainEqual(expect.objectContaining({ index: 0, path }));
  });

  it('rejects an empty batch, too many messages and duplicate message ids', () => {
    expect(normalizeSegmentBatch({ batch: [] }, context).ok).toBe(false);
    const many = Array.from({ length: 11 }, (_, n) => track({ messageId: `m${n}` }));
    expect(normalizeSegmentBatch({ batch: many }, context)).toEqual({ ok: false, status: 400, errors: [{ path: 'batch', message: 'at most 10 messages per batch (got 11)' }] });
    expect(normalizeSegmentBatch({ batch: [track(), track()] }, context)).toEqual({
      ok: false,
      status: 400,
      errors: [{ index: 1, path: 'messageId', message: 'duplicates the messageId of message 0 in this batch' }],
    });
  });
});

describe('the batch envelope and the size limits (what the real SDKs send)', () => {
  it('ignores unknown envelope keys: RudderStack\'s timestamp, analytics-go\'s type, messageId and context (even null)', () => {
    const rudderstack = { batch: [track()], timestamp: '2026-03-01T11:59:00.000Z', sentAt: '2026-03-01T11:59:00.000Z' };
    const analyticsGo = { type: 'batch', messageId: '6f1e5f0e-1c2b-4c1a-9c55-0a1b2c3d4e5f', sentAt: '2026-03-01T11:59:00Z', batch: [track()], context: { library: { name: 'analytics-go', version: '3.3.0' } } };
    const analyticsGoWithoutContext = { ...analyticsGo, context: null };
    for (const body of [rudderstack, analyticsGo, analyticsGoWithoutContext]) expect(accepted(body).events.map((event) => event.id)).toEqual(['m1']);
  });

  it('keeps or ignores unknown keys inside a message, never refuses them', () => {
    const sdkExtras = { channel: 'server', originalTimestamp: '2026-03-01T11:00:00Z', _metadata: { nodeVersion: '20.0.0' }, integrations: { All: true }, somethingNew: [1, { two: 2 }] };
    expect(accepted({ batch: [track(sdkExtras)] }).events).toHaveLength(1);
  });

  it('answers 413 for a message over the per-message limit, listing each one, whatever else is wrong with the batch', () => {
    const big = track({ messageId: 'big', properties: { blob: 'x'.repeat(1100) } });
    const result = normalizeSegmentBatch({ batch: [track(), big, { ...big, messageId: 'big2', type: 'nonsense' }], unknown: true }, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(413);
    expect(result.errors.map((error) => error.index)).toEqual([1, 2]);
    expect(result.errors[0]?.message).toMatch(/^message is \d+ bytes; the limit is 1024$/);
  });

  it('answers 400 for properties or traits nested deeper than the limit (as on the native route)', () => {
    const deep = { a: { b: { c: { d: 1 } } } }; // 4 levels; the limit here is 3
    const result = normalizeSegmentBatch({ batch: [track({ properties: deep }), { type: 'group', messageId: 'g', userId: 'u1', groupId: 'acme', traits: deep }] }, context);
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [
        { index: 0, path: 'properties', message: 'is nested deeper than 3 levels' },
        { index: 1, path: 'traits', message: 'is nested deeper than 3 levels' },
      ],
    });
    expect(accepted({ batch: [track({ properties: { a: { b: { c: 1 } } } })] }).events).toHaveLength(1);
  });
});

describe('bellwetherTypeOf', () => {
  it.each([
    ['Feature Used', 'feature.used'],
    ['Logged In', 'session.started'],
    ['feature.used', 'feature.used'],
    ['Report Exported', 'track.report_exported'],
    ['exportedCSV', 'track.exported_csv'],
    ['42 things', 'track.e_42_things'],
  ])('%s → %s', (name, type) => {
    expect(bellwetherTypeOf(name, defaultTrackEventMap)).toBe(type);
  });
});
