import { validateEventBatch, type BatchLimits } from './event-batch.validator';

const limits: BatchLimits = { maxEventsPerBatch: 5, maxEventBytes: 1024, maxPropertyDepth: 3, maxFutureSkewMs: 300_000 };
const now = Date.parse('2026-03-01T12:00:00Z');
const valid = { id: 'evt_1', type: 'feature.used', accountId: 'acme', timestamp: '2026-03-01T10:00:00Z', properties: { feature: 'reports' } };

function problemsOf(body: unknown) {
  const result = validateEventBatch(body, limits, now);
  if (result.ok) throw new Error('expected a rejection');
  return result;
}

describe('validateEventBatch', () => {
  it('accepts a valid batch, with timestamps in toISOString form', () => {
    const normalized = { ...valid, timestamp: '2026-03-01T10:00:00.000Z' };
    expect(validateEventBatch({ events: [valid, { ...valid, id: 'evt_2', userId: 'u1' }] }, limits, now)).toEqual({
      ok: true,
      events: [normalized, { ...normalized, id: 'evt_2', userId: 'u1' }],
      warnings: [],
    });
  });

  it('lists every problem of every event, with its index and field', () => {
    const { status, errors } = problemsOf({
      events: [valid, { ...valid, id: 'evt_2', timestamp: 'yesterday' }, { id: 'evt_3', type: 'feature.used', timestamp: valid.timestamp }],
    });
    expect(status).toBe(400);
    expect(errors).toEqual([
      { index: 1, path: 'timestamp', message: 'must match format "date-time"' },
      { index: 2, path: 'accountId', message: 'is required' },
    ]);
  });

  it.each([
    ['a non-object body', 'x', ''],
    ['an array body', [valid], ''],
    ['a missing events array', {}, 'events'],
    ['an empty events array', { events: [] }, 'events'],
    ['an unknown top-level field', { events: [valid], extra: 1 }, 'extra'],
  ])('rejects %s', (_, body, path) => {
    expect(problemsOf(body).errors[0]?.path).toBe(path);
  });

  it.each([
    ['an empty id', { id: '' }, 'id'],
    ['a numeric accountId', { accountId: 42 }, 'accountId'],
    ['an unknown event field', { colour: 'red' }, 'colour'],
    ['properties that are not an object', { properties: [1, 2] }, 'properties'],
    ['a type with spaces', { type: 'Feature Used' }, 'type'],
    ['an id with whitespace', { id: 'evt 1' }, 'id'],
  ])('rejects an event with %s', (_, override, path) => {
    const { status, errors } = problemsOf({ events: [{ ...valid, ...override }] });
    expect(status).toBe(400);
    expect(errors).toContainEqual(expect.objectContaining({ index: 0, path }));
  });

  it('rejects more events than the batch limit', () => {
    const events = Array.from({ length: 6 }, (_, i) => ({ ...valid, id: `evt_${i}` }));
    expect(problemsOf({ events }).errors).toEqual([{ path: 'events', message: 'at most 5 events per batch (got 6)' }]);
  });

  it('rejects duplicate ids inside one batch', () => {
    expect(problemsOf({ events: [valid, valid] }).errors).toEqual([{ index: 1, path: 'id', message: 'duplicates the id of event 0 in this batch' }]);
  });

  it('rejects a timestamp beyond the allowed clock skew, accepts one within it', () => {
    const within = { ...valid, timestamp: '2026-03-01T12:04:00Z' };
    const beyond = { ...valid, id: 'evt_2', timestamp: '2026-03-01T13:00:00Z' };
    expect(problemsOf({ events: [within, beyond] }).errors).toEqual([
      { index: 1, path: 'timestamp', message: 'is 3600 s in the future; at most 300 s of clock skew is allowed' },
    ]);
  });

  it('rejects properties nested deeper than the limit', () => {
    const deep = { ...valid, properties: { a: { b: { c: { d: 1 } } } } };
    expect(problemsOf({ events: [deep] }).errors).toEqual([{ index: 0, path: 'properties', message: 'is nested deeper than 3 levels' }]);
  });

  it('answers 413 for an event over the size limit', () => {
    const big = { ...valid, properties: { blob: 'x'.repeat(2000) } };
    const result = problemsOf({ events: [big] });
    expect(result.status).toBe(413);
    expect(result.errors[0]).toMatchObject({ index: 0, path: '' });
  });
});

describe('validateEventBatch: accepted means processable', () => {
  const accept = (events: unknown[]) => {
    const result = validateEventBatch({ events }, limits, now);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result;
  };

  it('clamps a leap second instead of failing later (Date cannot hold :60)', () => {
    const leap = { ...valid, timestamp: '2016-12-31T23:59:60Z' };
    expect(accept([leap]).events[0]?.timestamp).toBe('2016-12-31T23:59:59.999Z');
  });

  it('normalizes an offset without colon to UTC', () => {
    expect(accept([{ ...valid, timestamp: '2026-03-01T19:00:00+0900' }]).events[0]?.timestamp).toBe('2026-03-01T10:00:00.000Z');
  });

  it('replaces U+0000 and unpaired surrogates in values, keys and userId with U+FFFD, and warns for each', () => {
    const result = accept([valid, { ...valid, id: 'evt_2', userId: 'u\ud83d', properties: { feature: 'x\ud83d', 'k\u0000': { note: 'a\u0000b' } } }]);
    expect(result.events[1]).toMatchObject({ userId: 'u\ufffd', properties: { feature: 'x\ufffd', 'k\ufffd': { note: 'a\ufffdb' } } });
    expect(result.warnings.map(({ index, path }) => ({ index, path }))).toEqual([
      { index: 1, path: 'properties.feature' },
      { index: 1, path: 'properties.k\ufffd' },
      { index: 1, path: 'properties.k\ufffd.note' },
      { index: 1, path: 'userId' },
    ]);
  });

  it('still refuses an id that is not printable ASCII once replaced', () => {
    expect(problemsOf({ events: [{ ...valid, id: 'evt\u0000' }] }).errors).toContainEqual(expect.objectContaining({ index: 0, path: 'id' }));
  });

  it('rejects a timestamp before 2000', () => {
    expect(problemsOf({ events: [{ ...valid, timestamp: '1999-12-31T23:59:59Z' }] }).errors).toEqual([{ index: 0, path: 'timestamp', message: 'is before 2000-01-01' }]);
  });

  it('answers 400, not a stack overflow, for properties nested 100,000 levels deep', () => {
    const deep = JSON.parse(`{"events":[{"id":"e","type":"feature.used","accountId":"acme","timestamp":"2026-03-01T10:00:00Z","properties":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`) as unknown;
    expect(problemsOf(deep)).toMatchObject({ status: 400, errors: [{ index: 0, message: 'is nested deeper than 64 levels' }] });
  });
});
