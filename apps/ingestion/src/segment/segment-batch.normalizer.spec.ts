import { normalizeSegmentBatch, type SegmentNormalizeContext } from './segment-batch.normalizer';
import { bellwetherTypeOf, defaultTrackEventMap } from './track-event-map';

const receivedAtMs = Date.parse('2026-03-01T12:00:00Z');
const context: SegmentNormalizeContext = {
  receivedAtMs,
  trackEventMap: defaultTrackEventMap,
  knownAccounts: new Map([['u-known', 'globex']]),
  limits: { maxEventsPerBatch: 10, maxFutureSkewMs: 300_000 },
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
      { id: 'm1', type: 'feature.used', accountId: 'acme', userId: 'u1', timestamp: '2026-03-01T11:00:00.000Z', properties: { feature: 'reports', event: 'Feature Used' } },
    ]);
  });

  it('corrects client clock skew: timestamp = receivedAt − (sentAt − timestamp)', () => {
    // The client clock runs 2 hours fast: it stamped the event 13:00 and sent it at 13:05.
    const result = accepted({ batch: [track({ timestamp: '2026-03-01T13:00:00Z' })], sentAt: '2026-03-01T13:05:00Z' });
    expect(result.events[0]?.timestamp).toBe('2026-03-01T11:55:00.000Z');
  });

  it('uses the time of receipt, with a warning, for an event still far in the future after correction', () => {
    const result = accepted({ batch: [track({ timestamp: '2026-03-02T12:00:00Z' })] });
    expect(result.events[0]?.timestamp).toBe('2026-03-01T12:00:00.000Z');
    expect(result.warnings).toEqual([{ index: 0, path: 'timestamp', message: 'is 86400 s in the future after clock-skew correction; the time of receipt was used instead' }]);
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

  it('rejects unknown top-level fields, an empty batch and too many messages', () => {
    expect(normalizeSegmentBatch({ batch: [track()], extra: true }, context).ok).toBe(false);
    expect(normalizeSegmentBatch({ batch: [] }, context).ok).toBe(false);
    const many = Array.from({ length: 11 }, (_, n) => track({ messageId: `m${n}` }));
    expect(normalizeSegmentBatch({ batch: many }, context)).toEqual({ ok: false, errors: [{ path: 'batch', message: 'at most 10 messages per batch (got 11)' }] });
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
