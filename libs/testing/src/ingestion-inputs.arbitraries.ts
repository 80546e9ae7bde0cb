import fc from 'fast-check';

/** The Segment HTTP Tracking API call types (`/v1/track`…), as SDKs send them. */
const SEGMENT_TYPES = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const;

export interface IngestionInputOptions {
  /** The server's clock, epoch ms: plausible times lie around it. */
  readonly nowMs: number;
  /** How far back plausible times reach, ms (keep it inside scoring's allowed lateness on a live stack). */
  readonly pastMs: number;
  /** Earliest "any instant" time, epoch ms: 1900 by default; a live stack test keeps to the lateness window. */
  readonly earliestMs?: number;
  /**
   * Latest "any instant" time, epoch ms: 2200 by default. A live stack test keeps it near now: a
   * Segment `sentAt` far ahead of its `timestamp` makes the clock-skew correction move the event
   * far into the past, where scoring dead-letters it as late (the lateness gap left to issue 14).
   */
  readonly latestMs?: number;
}

/**
 * fast-check arbitraries for bodies of every ingestion route, built to be nasty: any UTF-16 code
 * unit (lone surrogates, U+0000) in any string and key, non-Latin and over-long names,
 * Object.prototype member names, timestamps in every form SDKs and databases write plus invalid
 * and out-of-range ones, nulls and empty strings in optional fields, unknown keys and nesting.
 * Mostly plausible per field, because one bad field fails a whole batch, and the accepted ones are
 * what the properties are about.
 */
export function ingestionInputArbitraries(options: IngestionInputOptions) {
  const { nowMs, pastMs } = options;
  const earliest = new Date(options.earliestMs ?? Date.UTC(1900, 0, 1));
  const nastyConstants = fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    'x\ud83d',
    '\ude00',
    '\ud83d\ud83d',
    '😀',
    'レポート出力',
    'ダッシュボード表示',
    'Отчёт',
    'Feature Used',
    'Report Exported',
    'feature.used',
    'constructor',
    '__proto__',
    'toString',
    '42 things',
    '!!!',
    'a'.repeat(201),
    `a.${'b'.repeat(150)}`,
    `Report ${'very '.repeat(40)}long`,
  );
  /** Strings as clients send them, and worse: any code unit (lone surrogates, U+0000), any script, long. */
  const nastyString = fc.oneof(nastyConstants, fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 24 }), fc.string({ maxLength: 220 }));
  const nastyJson = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
  const nastyObject = fc.dictionary(nastyString, fc.oneof(nastyJson, nastyString), { maxKeys: 4 });

  const anyInstant = fc.date({ min: earliest, max: new Date(options.latestMs ?? Date.UTC(2200, 0, 1)), noInvalidDate: true });
  const nearNow = fc.integer({ min: -pastMs, max: 600_000 }).map((delta) => new Date(nowMs + delta));
  /** Timestamps in every form SDKs and databases write, plus invalid and out-of-range ones. */
  const timestamp = fc.oneof(
    fc.tuple(fc.oneof(nearNow, nearNow, anyInstant), fc.constantFrom('iso', 'offset', 'offsetNoColon', 'hourOffset', 'space', 'lower', 'nanos', 'noSeconds', 'noZone', 'leap')).map(([date, form]) => format(date, form)),
    fc.constantFrom(
      '1970-01-01T00:00:00Z',
      '1999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59Z',
      '0000-01-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-03-01T24:00:00Z',
      'yesterday',
      '',
      '1772359200000',
    ),
    nastyString,
  );

  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, arbitrary, fc.constant(null), fc.constant(''));
  /** Mostly a plausible value, sometimes anything: whole batches fail on one bad field, and accepted ones are what the property is about. */
  const mostly = <T, U>(plausible: fc.Arbitrary<T>, anything: fc.Arbitrary<U>) => fc.oneof({ arbitrary: plausible, weight: 12 }, { arbitrary: anything, weight: 1 });
  const plausibleTime = fc.tuple(nearNow, fc.constantFrom('iso', 'offset', 'offsetNoColon', 'hourOffset', 'space', 'lower', 'nanos', 'noSeconds', 'noZone', 'leap')).map(([date, form]) => format(date, form));

  const nativeEvent = fc.record(
    {
      id: mostly(fc.uuid(), nastyString),
      type: mostly(fc.constantFrom('feature.used', 'session.started', 'nps.responded', 'x.y'), nastyString),
      accountId: mostly(fc.constantFrom('acme', 'globex'), nastyString),
      userId: mostly(fc.oneof(fc.constantFrom('u1', 'ユーザー', 'u\ud83d', 'u\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 })), nastyString),
      timestamp: mostly(plausibleTime, timestamp),
      properties: nastyObject,
    },
    { requiredKeys: ['id', 'type', 'accountId', 'timestamp'] },
  );

  const segmentMessage = fc.record(
    {
      type: mostly(fc.constantFrom(...SEGMENT_TYPES), fc.constant('purchase')),
      messageId: maybe(mostly(fc.uuid(), nastyString)),
      userId: maybe(mostly(fc.oneof(fc.constantFrom('u1', 'ユーザー', 'stranger', 'u\ud83d'), fc.integer()), nastyString)),
      anonymousId: maybe(mostly(fc.uuid(), nastyString)),
      groupId: maybe(mostly(fc.constantFrom('acme', 'グローバル', 42), nastyString)),
      event: mostly(fc.oneof(nastyConstants, fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })), nastyString),
      name: maybe(mostly(fc.string({ unit: 'binary', maxLength: 30 }), nastyString)),
      timestamp: maybe(mostly(plausibleTime, timestamp)),
      originalTimestamp: maybe(mostly(plausibleTime, timestamp)),
      sentAt: maybe(mostly(plausibleTime, timestamp)),
      properties: maybe(fc.oneof(nastyObject, fc.record({ accountId: fc.oneof(fc.constant('acme'), nastyString), feature: nastyString, path: nastyString }))),
      traits: maybe(fc.oneof(nastyObject, fc.record({ plan: nastyString, seats: fc.integer(), name: nastyString, company: fc.record({ id: fc.oneof(fc.constant('acme'), nastyString), plan: nastyString }) }))),
      context: mostly(fc.record({ groupId: mostly(fc.constantFrom('acme', 'グローバル', 'a\u0000'), fc.oneof(nastyString, fc.constant(null))), page: fc.record({ path: nastyString, title: nastyString }) }), maybe(nastyObject)),
      library: nastyJson,
      channel: nastyString,
    },
    { requiredKeys: ['type'] },
  );

  const segmentBatch = fc.record({ batch: fc.array(segmentMessage, { minLength: 1, maxLength: 3 }), sentAt: maybe(mostly(plausibleTime, timestamp)), context: maybe(nastyObject) }, { requiredKeys: ['batch'] });
  const singleCall = fc.tuple(fc.constantFrom(...SEGMENT_TYPES), segmentMessage);

  const nativeBatch = fc.record({ events: fc.array(nativeEvent, { minLength: 1, maxLength: 3 }) });
  return { nastyString, timestamp, nativeEvent, nativeBatch, segmentMessage, segmentBatch, singleCall };
}

/** A date in one of the forms SDKs and databases write (`+09:00`, `+0900`, space, nanoseconds, leap second…). */
function format(date: Date, form: string): string {
  const iso = date.toISOString();
  const shifted = new Date(date.getTime() + 9 * 3_600_000).toISOString().slice(0, 19);
  switch (form) {
    case 'offset':
      return `${shifted}+09:00`;
    case 'offsetNoColon':
      return `${shifted}+0900`;
    case 'hourOffset':
      return `${shifted}+09`;
    case 'space':
      return `${iso.slice(0, 10)} ${iso.slice(11, 23)}456+00`;
    case 'lower':
      return iso.toLowerCase();
    case 'nanos':
      return `${iso.slice(0, 23)}456789Z`;
    case 'noSeconds':
      return `${iso.slice(0, 16)}Z`;
    case 'noZone':
      return iso.slice(0, 19);
    case 'leap':
      return `${iso.slice(0, 17)}60Z`;
    default:
      return iso;
  }
}
