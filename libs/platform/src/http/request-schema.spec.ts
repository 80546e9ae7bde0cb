import fc from 'fast-check';
import { createRequestValidator, parseRequestTime, requestSchemas, RequestSchemaPipe } from './request-schema';
import { RequestRejected } from './http-error.filter';

const problemsOf = (result: ReturnType<ReturnType<typeof createRequestValidator>>) => (result.ok ? [] : result.problems);

describe('parseRequestTime', () => {
  it('reads strict RFC 3339 date-times with an offset', () => {
    expect(parseRequestTime('2026-03-01T10:00:00Z')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseRequestTime('2026-03-01T10:00:00.123456+02:00')).toBe(Date.UTC(2026, 2, 1, 8, 0, 0, 123));
    expect(parseRequestTime('2026-03-01 10:00:00z')).toBe(Date.UTC(2026, 2, 1, 10));
  });

  it.each([
    ['1', 'what Date.parse reads as 2001'],
    ['Tuesday 2026', 'prose'],
    ['2026-03-01', 'a date without a time'],
    ['2026-03-01T10:00:00', 'no offset'],
    ['2026-03-01T10:00Z', 'no seconds'],
    ['2026-02-30T00:00:00Z', 'a day the month lacks'],
    ['+275760-09-13T00:00:00Z', 'a six-digit year PostgreSQL refuses'],
    ['0000-01-01T00:00:00Z', 'year 0, which PostgreSQL lacks'],
    ['1999-12-31T23:59:59Z', 'before 2000'],
    ['2100-01-01T00:00:00Z', 'from 2100 on'],
  ])('refuses %s (%s)', (text) => {
    expect(parseRequestTime(text)).toBeNull();
  });

  it('never throws and only returns instants inside the range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.date({ noInvalidDate: true }).map((date) => date.toISOString())), (text) => {
        const ms = parseRequestTime(text);
        expect(ms === null || (ms >= Date.UTC(2000, 0, 1) && ms < Date.UTC(2100, 0, 1))).toBe(true);
      }),
    );
  });
});

describe('createRequestValidator', () => {
  const query = createRequestValidator<{ from?: string; limit?: number }>('query', {
    type: 'object',
    additionalProperties: false,
    properties: { from: requestSchemas.instant, limit: { type: 'integer', minimum: 1, maximum: 500 }, status: { enum: ['open', 'done'] } },
  });
  const body = createRequestValidator('body', { type: 'object', required: ['outcome'], additionalProperties: false, properties: { outcome: { enum: ['saved', 'churned'] }, note: requestSchemas.note } });
  const params = createRequestValidator('params', { type: 'object', required: ['id'], properties: { id: requestSchemas.pathId } });

  it('coerces query text to the schema type', () => {
    expect(query({ limit: '20', from: '2026-03-01T10:00:00Z' })).toEqual({ ok: true, value: { limit: 20, from: '2026-03-01T10:00:00Z' } });
  });

  it('names a repeated query parameter', () => {
    expect(problemsOf(query({ limit: ['1', '2'], from: '2026-03-01T10:00:00Z' }))).toEqual([{ path: 'limit', message: 'must be given once' }]);
    // ...and still the other problems of the query.
    expect(problemsOf(query({ from: ['a', 'b'], page: '2' }))).toEqual([
      { path: 'from', message: 'must be given once' },
      { path: 'page', message: 'is not an allowed query parameter' },
    ]);
  });

  it('names unknown parameters and fields, values out of the enum, bad dates and bad integers', () => {
    expect(problemsOf(query({ x: '1', status: 'lost', from: 'yesterday', limit: '1.5' }))).toEqual(
      expect.arrayContaining([
        { path: 'x', message: 'is not an allowed query parameter' },
        { path: 'status', message: 'must be one of open, done' },
        { path: 'from', message: expect.stringContaining('RFC 3339') },
        { path: 'limit', message: 'must be integer' },
      ]),
    );
    expect(problemsOf(body({ outcome: 'won', extra: 1 }))).toEqual(
      expect.arrayContaining([
        { path: 'extra', message: 'is not an allowed field' },
        { path: 'outcome', message: 'must be one of saved, churned' },
      ]),
    );
  });

  it.each(['a\u0000b', 'a\ud800b', '\udc00'])('refuses U+0000 and unpaired surrogates in values and keys (%j)', (bad) => {
    expect(problemsOf(body({ outcome: 'saved', note: bad }))).toEqual([{ path: 'note', message: expect.stringContaining('U+0000') }]);
    expect(problemsOf(query({ [bad]: '1' }))).toEqual([{ path: expect.any(String), message: expect.stringContaining('U+0000') }]);
    expect(problemsOf(params({ id: bad }))).toEqual([{ path: 'id', message: expect.stringContaining('U+0000') }]);
  });

  it('treats an absent body as {} and refuses a body that is not an object', () => {
    expect(problemsOf(body(undefined))).toEqual([{ path: 'outcome', message: 'is required' }]);
    expect(problemsOf(body([1]))).toEqual([{ path: '', message: 'must be object' }]);
    expect(problemsOf(body('text'))).toEqual([{ path: '', message: 'must be object' }]);
  });

  it('refuses ids that are empty, too long or not printable ASCII', () => {
    for (const id of ['', 'x'.repeat(201), 'a b', 'é']) expect([...new Set(problemsOf(params({ id })).map((problem) => problem.path))]).toEqual(['id']);
    expect(params({ id: 'al_0123456789abcdef01234567' }).ok).toBe(true);
  });

  it('refuses a body nested too deeply to walk instead of overflowing', () => {
    let deep: unknown = 'x';
    for (let level = 0; level < 100; level += 1) deep = { note: deep };
    expect(body(deep).ok).toBe(false);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string())))), (value) => {
        for (const validate of [query, body, params]) expect(typeof validate(value).ok).toBe('boolean');
      }),
    );
  });
});

describe('RequestSchemaPipe', () => {
  it('throws a 400 RequestRejected naming the field', () => {
    const pipe = new RequestSchemaPipe('body', { type: 'object', additionalProperties: false, properties: { note: requestSchemas.note } });
    expect(pipe.transform({ note: 'fine' })).toEqual({ note: 'fine' });
    try {
      pipe.transform({ note: 'x'.repeat(2001) });
      throw new Error('no rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(RequestRejected);
      expect((error as RequestRejected).getStatus()).toBe(400);
      expect((error as RequestRejected).errors.map((problem) => problem.path)).toEqual(['note']);
    }
  });
});
