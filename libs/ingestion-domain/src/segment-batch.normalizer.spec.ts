import { validateTelemetryEvent } from '@bellwether/contracts';
import { normalizeSegmentBatch, userIdsOf, type SegmentNormalizeContext } from './segment-batch.normalizer';
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

  it('carries account economics in group traits (a CRM sync), and keeps null on trusted-only traits to clear or unassign them (issue 18)', () => {
    const group = (traits: Record<string, unknown>) => ({ type: 'group', messageId: `g-${JSON.stringify(traits)}`, userId: 'u1', groupId: 'acme', timestamp: '2026-03-01T11:00:00.000Z', traits });
    const { events, skipped } = accepted({ batch: [group({ cacUsd: 12000, grossMarginPct: 0.7 }), group({ grossMarginPct: null, csmId: null, plan: null })] });
    expect(skipped).toEqual([]);
    expect(events.map((event) => event.properties)).toEqual([{ traits: { cacUsd: 12000, grossMarginPct: 0.7 } }, { traits: { csmId: null, grossMarginPct: null } }]);
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

  it('rejects an empty batch and too many messages', () => {
    expect(normalizeSegmentBatch({ batch: [] }, context).ok).toBe(false);
    const many = Array.from({ length: 11 }, (_, n) => track({ messageId: `m${n}` }));
    expect(normalizeSegmentBatch({ batch: many }, context)).toEqual({ ok: false, status: 400, errors: [{ path: 'batch', message: 'at most 10 messages per batch (got 11)' }] });
  });
});

describe('normalizeSegmentBatch: what the SDKs send', () => {
  it('replaces U+0000 and unpaired surrogates in any string with U+FFFD, and warns with index and path', () => {
    const result = accepted({
      batch: [
        track(),
        track({ messageId: 'm2', userId: 'u\u0000', event: 'Report\ud83d', properties: { feature: 'x\ud83d', 'k\udc00': ['\u0000'] }, context: { groupId: 'acme', page: { title: 't\ud800' } } }),
        { type: 'group', messageId: 'g', userId: 'u1', groupId: 'acme', traits: { name: 'Ac\u0000me', plan: 'pro' } },
      ],
    });
    expect(result.events[1]).toMatchObject({ userId: 'u\ufffd', type: 'track.report', properties: { feature: 'x\ufffd', 'k\ufffd': ['\ufffd'], event: 'Report\ufffd' } });
    expect(result.events[2]?.properties).toEqual({ traits: { name: 'Ac\ufffdme', plan: 'pro' } });
    expect(result.warnings.map(({ index, path }) => `${index}:${path}`)).toEqual([
      '1:userId',
      '1:event',
      '1:properties.feature',
      '1:properties.k\ufffd',
      '1:properties.k\ufffd.0',
      '1:context.page.title',
      '2:traits.name',
    ]);
  });

  it('looks users up by their storable id (PostgreSQL refuses U+0000 in a query)', () => {
    expect(userIdsOf({ batch: [{ userId: 'u\u0000' }, { userId: 'u\ud800' }, { userId: 7 }] })).toEqual(['u\ufffd', '7']);
  });

  it.each([
    ['properties', { properties: null }],
    ['context (the account then comes from properties)', { context: null, properties: { accountId: 'acme' } }],
    ['userId next to an anonymousId', { userId: null, anonymousId: 'anon-1' }],
    ['userId as an empty string next to an anonymousId', { userId: '', anonymousId: 'anon-1' }],
    ['timestamp', { timestamp: null }],
    ['sentAt and originalTimestamp', { sentAt: null, originalTimestamp: '' }],
    ['messageId', { messageId: '' }],
    ['name, integrations and channel', { name: null, integrations: null, channel: '' }],
  ])('treats null or "" in %s as absent', (_, overrides) => {
    const result = accepted({ batch: [track({ context: { groupId: 'acme' }, ...overrides })] });
    expect(result.events).toHaveLength(1);
    expect(validateTelemetryEvent({ schemaVersion: 1, receivedAt: '2026-03-01T12:00:00.000Z', source: 'segment', ...result.events[0] }).ok).toBe(true);
  });

  it('treats null traits on a group as "no attributes" and a null sentAt on the envelope as absent', () => {
    const result = accepted({ batch: [{ type: 'group', messageId: 'g', userId: 'u1', groupId: 'acme', traits: null }], sentAt: null, context: null });
    expect(result.skipped).toEqual([{ index: 0, reason: 'no account attributes in the traits' }]);
  });

  it('answers 400, not a stack overflow, for a message nested 100,000 levels deep', () => {
    const deep = JSON.parse(`{"batch":[{"type":"track","userId":"u","event":"x","properties":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`) as unknown;
    expect(normalizeSegmentBatch(deep, context)).toMatchObject({ ok: false, errors: [{ index: 0, message: 'is nested deeper than 64 levels' }] });
  });

  it('keeps unknown keys inside a message without refusing it', () => {
    expect(accepted({ batch: [track({ channel: 'server', _metadata: { bundled: [] }, version: 2, library: 'x' })] }).events).toHaveLength(1);
  });

  it('counts a messageId repeated within the batch as a duplicate and accepts the rest', () => {
    const result = accepted({ batch: [track(), track({ properties: { feature: 'other' } }), track({ messageId: 'm2' })] });
    expect(result.events.map((event) => [event.id, event.properties?.['feature']])).toEqual([
      ['m1', 'reports'],
      ['m2', 'reports'],
    ]);
    expect(result.duplicates).toBe(1);
  });

  it.each([
    ['Z', '2026-03-01T11:00:00Z', '2026-03-01T11:00:00.000Z'],
    ['an offset with colon', '2026-03-01T20:00:00+09:00', '2026-03-01T11:00:00.000Z'],
    ['an offset without colon', '2026-03-01T20:00:00+0900', '2026-03-01T11:00:00.000Z'],
    ['an hour-only offset', '2026-03-01T20:00:00+09', '2026-03-01T11:00:00.000Z'],
    ['nine fractional digits', '2026-03-01T11:00:00.123456789Z', '2026-03-01T11:00:00.123Z'],
    ['one fractional digit', '2026-03-01T11:00:00.5Z', '2026-03-01T11:00:00.500Z'],
    ['a space instead of T (PostgreSQL)', '2026-03-01 11:00:00.123456+00', '2026-03-01T11:00:00.123Z'],
    ['lowercase t and z', '2026-03-01t11:00:00z', '2026-03-01T11:00:00.000Z'],
    ['a leap second', '2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
    ['no seconds', '2026-03-01T11:00Z', '2026-03-01T11:00:00.000Z'],
  ])('accepts a timestamp with %s', (_, timestamp, iso) => {
    expect(accepted({ batch: [track({ timestamp })] }).events[0]?.timestamp).toBe(iso);
  });

  it('uses the time of receipt, with a warning, for a time before 2000 (directly or after clock-skew correction)', () => {
    const result = accepted({
      batch: [track({ timestamp: '1970-01-01T00:00:00Z' }), track({ messageId: 'm2', timestamp: '2026-03-01T11:00:00Z', sentAt: '9999-12-31T23:59:59Z' })],
    });
    expect(result.events.map((event) => event.timestamp)).toEqual(['2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z']);
    expect(result.warnings).toEqual([
      { index: 0, path: 'timestamp', message: 'is before 2000-01-01 after clock-skew correction; the time of receipt was used instead' },
      { index: 1, path: 'timestamp', message: 'is before 2000-01-01 after clock-skew correction; the time of receipt was used instead' },
    ]);
  });

  it.each([
    ['timestamp', { timestamp: '2026-02-30T10:00:00Z' }],
    ['originalTimestamp', { originalTimestamp: 'now' }],
    ['sentAt', { sentAt: '2026-03-01T25:00:00Z' }],
  ])('answers 400, not 5xx, for a %s that is no date-time', (path, overrides) => {
    expect(normalizeSegmentBatch({ batch: [track(overrides)] }, context)).toEqual({
      ok: false,
      status: 400,
      errors: [{ index: 0, path, message: 'must be an ISO 8601 date-time, like 2026-03-01T10:00:00Z' }],
    });
  });

  it('answers 400 for an envelope sentAt that is no date-time', () => {
    expect(normalizeSegmentBatch({ batch: [track()], sentAt: 'soon' }, context)).toMatchObject({ ok: false, errors: [{ path: 'sentAt' }] });
  });

  it('refuses an account id longer than the topic allows, wherever it comes from', () => {
    const long = 'a'.repeat(201);
    for (const message of [track({ context: { groupId: long } }), track({ context: {}, properties: { accountId: long } }), { type: 'identify', userId: 'u1', traits: { company: { id: long, plan: 'pro' } } }]) {
      expect(normalizeSegmentBatch({ batch: [message] }, context)).toMatchObject({ ok: false, errors: [{ index: 0, path: '', message: 'names an account id of 201 characters; the limit is 200' }] });
    }
  });

  it('maps non-Latin track names to distinct, stable types and keeps the name in properties.event', () => {
    const result = accepted({ batch: [track({ event: 'レポート出力' }), track({ messageId: 'm2', event: 'ダッシュボード表示' })] });
    const [report, dashboard] = result.events;
    expect(report?.type).toMatch(/^track\.e_[0-9a-f]{8}$/);
    expect(dashboard?.type).toMatch(/^track\.e_[0-9a-f]{8}$/);
    expect(report?.type).not.toBe(dashboard?.type);
    expect(accepted({ batch: [track({ event: 'レポート出力' })] }).events[0]?.type).toBe(report?.type);
    expect(report?.properties).toEqual({ feature: 'reports', event: 'レポート出力' });
  });

  it('adds the name only to derived types, and keeps a client-sent properties.event', () => {
    expect(accepted({ batch: [track({ event: 'Report Exported' })] }).events[0]?.properties).toEqual({ feature: 'reports', event: 'Report Exported' });
    expect(accepted({ batch: [track({ event: 'feature.used' })] }).events[0]?.properties).toEqual({ feature: 'reports' });
    expect(accepted({ batch: [track({ event: 'レポート出力', properties: { event: 'mine' } })] }).events[0]?.properties).toEqual({ event: 'mine' });
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

describe('bellwetherTypeOf: every name fits the type rules', () => {
  const typeRule = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

  it.each([
    ['Japanese', 'レポート出力'],
    ['Cyrillic', 'Отчёт выгружен'],
    ['mixed', 'Report レポート'],
    ['accented Latin', 'Café Visited'],
    ['punctuation only', '!!!'],
    ['a native-form name over 100 characters', `a.${'b'.repeat(150)}`],
    ['a long English name', `Report ${'very '.repeat(35)}long`],
    ['an Object.prototype member', 'constructor'],
    ['__proto__', '__proto__'],
  ])('%s', (_, name) => {
    const type = bellwetherTypeOf(name, defaultTrackEventMap);
    expect(type).toMatch(typeRule);
    expect(type.length).toBeLessThanOrEqual(100);
    expect(bellwetherTypeOf(name, defaultTrackEventMap)).toBe(type);
  });

  it('keeps different names apart where the slug alone would merge them', () => {
    const pairs = [
      ['レポート出力', 'ダッシュボード表示'],
      ['Café', 'Cafè'],
      ['!!!', '???'],
      [`Report ${'x'.repeat(90)} A`, `Report ${'x'.repeat(90)} B`],
    ];
    for (const [a, b] of pairs) expect(bellwetherTypeOf(a ?? '', defaultTrackEventMap)).not.toBe(bellwetherTypeOf(b ?? '', defaultTrackEventMap));
  });

  it('maps Object.prototype member names like any other name', () => {
    expect(bellwetherTypeOf('constructor', defaultTrackEventMap)).toBe('constructor');
    expect(bellwetherTypeOf('toString', defaultTrackEventMap)).toBe('track.to_string');
  });

  it('truncates a long slug and adds the hash', () => {
    expect(bellwetherTypeOf(`Report ${'x'.repeat(90)}`, defaultTrackEventMap)).toMatch(/^track\.report_x{73}_[0-9a-f]{8}$/);
  });
});

describe('normalizeSegmentBatch: hostile nesting', () => {
  it('answers 400, not a stack overflow, for a message nested 250,000 levels deep', () => {
    const levels = 250_000;
    const body = JSON.parse(`{"batch":[{"type":"track","messageId":"m","userId":"u1","event":"x","properties":{"a":${'['.repeat(levels)}${']'.repeat(levels)}}}]}`) as unknown;
    expect(normalizeSegmentBatch(body, context)).toMatchObject({ ok: false, status: 400, errors: [{ index: 0, message: 'is nested deeper than 64 levels' }] });
  });
});
