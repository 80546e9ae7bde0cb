import fc from 'fast-check';
import type { JsonValue } from './messages';
import { isStorableText, MAX_STORABLE_JSON_DEPTH, toStorableJson, toStorableText, type StorableJson, type StorableTextChange } from './storable-text';

function walked<T>(result: StorableJson<T>): { value: T; changes: readonly { path: string; message: string }[] } {
  if (!result.ok) throw new Error(JSON.stringify(result.problem));
  return result;
}

const REPLACED = 'contained U+0000 or an unpaired UTF-16 surrogate, which cannot be stored; replaced with U+FFFD';

describe('toStorableText / isStorableText', () => {
  it.each([
    ['U+0000', 'a\u0000b', 'a\ufffdb'],
    ['a lone high surrogate (half an emoji)', 'x\ud83d', 'x\ufffd'],
    ['a lone low surrogate', '\ude00x', '\ufffdx'],
    ['two high surrogates', '\ud83d\ud83d', '\ufffd\ufffd'],
    ['a reversed pair', '\ude00\ud83d', '\ufffd\ufffd'],
  ])('replaces %s with U+FFFD', (_, text, storable) => {
    expect(isStorableText(text)).toBe(false);
    expect(toStorableText(text)).toBe(storable);
    expect(isStorableText(storable)).toBe(true);
  });

  it.each(['plain', 'レポート出力', 'emoji 😀 pair', '', '\ufffd already'])('keeps %j as it is', (text) => {
    expect(isStorableText(text)).toBe(true);
    expect(toStorableText(text)).toBe(text);
  });
});

describe('toStorableJson', () => {
  it('returns the same value when nothing needs a change', () => {
    const value = { a: ['x', 1, null, { b: true }], c: 'レポート' };
    const result = walked(toStorableJson(value));
    expect(result.value).toBe(value);
    expect(result.changes).toEqual([]);
  });

  it('replaces values and keys at any depth and reports each by path', () => {
    const result = walked(toStorableJson({ events: [{ id: 'e', properties: { feature: 'x\ud83d', 'k\u0000': { deep: ['ok', '\udc00'] } } }] }));
    expect(result.value).toEqual({ events: [{ id: 'e', properties: { feature: 'x\ufffd', 'k\ufffd': { deep: ['ok', '\ufffd'] } } }] });
    expect(result.changes).toEqual([
      { path: 'events.0.properties.feature', message: REPLACED },
      { path: 'events.0.properties.k\ufffd', message: `key ${REPLACED}` },
      { path: 'events.0.properties.k\ufffd.deep.1', message: REPLACED },
    ]);
  });

  it('keeps the clean key, then the first replaced one, when keys collide after replacement', () => {
    const result = walked(toStorableJson({ 'a\u0000': 1, 'a\ud800': 2, 'a\ufffd': 3, 'b\u0000': 4, 'b\udfff': 5 }));
    expect(result.value).toEqual({ 'a\ufffd': 3, 'b\ufffd': 4 });
    expect(result.changes.map((change) => [change.path, change.message.startsWith('key collides')])).toEqual([
      ['a\ufffd', true],
      ['a\ufffd', true],
      ['b\ufffd', false],
      ['b\ufffd', true],
    ]);
  });

  it('never touches a prototype, whatever the keys', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":"x\\u0000"},"k\\u0000":1}') as Record<string, unknown>;
    const result = walked(toStorableJson(parsed as never));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(Object.keys(result.value as object)).toEqual(['__proto__', 'k\ufffd']);
  });
});

describe('toStorableJson on deep values', () => {
  const nested = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}"x\\u0000"${'}'.repeat(levels)}`);

  it('walks values nested up to the limit', () => {
    expect(walked(toStorableJson(nested(MAX_STORABLE_JSON_DEPTH) as never)).changes).toHaveLength(1);
  });

  it('says where, instead of overflowing the stack, for a 200,000-level body JSON.parse accepts', () => {
    expect(toStorableJson(nested(200_000) as never)).toEqual({ ok: false, problem: { path: 'a.'.repeat(MAX_STORABLE_JSON_DEPTH - 1) + 'a', message: `is nested deeper than ${MAX_STORABLE_JSON_DEPTH} levels` } });
  });
});

/**
 * The walk as it was before the read-only fast pass (issue 17), kept as the reference the
 * property below compares with: same value (and the same reference when nothing changed), same
 * changes, same refusal of deep values.
 */
const referenceWalk = (() => {
  const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const HAS_LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const storableText = (text: string) => !text.includes('\u0000') && !HAS_LONE.test(text);
  const fix = (text: string) => text.replaceAll('\u0000', '\ufffd').replace(LONE, '\ufffd');
  const join = (path: string, segment: string) => (path === '' ? segment : `${path}.${segment}`);
  class TooDeep extends Error {
    constructor(readonly path: string) {
      super(`is nested deeper than ${MAX_STORABLE_JSON_DEPTH} levels`);
    }
  }
  const walk = (value: JsonValue, path: string, changes: StorableTextChange[], depth: number): JsonValue => {
    if (typeof value === 'string') {
      if (storableText(value)) return value;
      changes.push({ path, message: REPLACED });
      return fix(value);
    }
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_STORABLE_JSON_DEPTH) throw new TooDeep(path);
    if (Array.isArray(value)) {
      let copy: JsonValue[] | null = null;
      value.forEach((item, index) => {
        const clean = walk(item, join(path, String(index)), changes, depth + 1);
        if (clean !== item) copy ??= value.slice();
        if (copy) copy[index] = clean;
      });
      return copy ?? value;
    }
    const entries = Object.entries(value);
    const cleanKeys = new Set(entries.map(([key]) => key).filter(storableText));
    let changed = false;
    const copy: Record<string, JsonValue> = {};
    for (const [key, item] of entries) {
      let outKey = key;
      if (!cleanKeys.has(key)) {
        outKey = fix(key);
        changed = true;
        if (cleanKeys.has(outKey) || Object.prototype.hasOwnProperty.call(copy, outKey)) {
          changes.push({ path: join(path, outKey), message: 'key collides with another key once U+FFFD replaces its U+0000 or unpaired surrogate; this value was dropped' });
          continue;
        }
        changes.push({ path: join(path, outKey), message: `key ${REPLACED}` });
      }
      const clean = walk(item, join(path, outKey), changes, depth + 1);
      if (clean !== item) changed = true;
      Object.defineProperty(copy, outKey, { value: clean, enumerable: true, writable: true, configurable: true });
    }
    return changed ? copy : value;
  };
  return { storableText, walk: (value: JsonValue): StorableJson<JsonValue> => {
    const changes: StorableTextChange[] = [];
    try {
      return { ok: true, value: walk(value, '', changes, 0), changes };
    } catch (error) {
      if (error instanceof TooDeep) return { ok: false, problem: { path: error.path, message: error.message } };
      throw error;
    }
  } };
})();

describe('toStorableJson matches the reference walk (seeded property)', () => {
  const text = fc.oneof(
    fc.constantFrom('', 'plain', 'a\u0000b', 'x\ud83d', '\ude00', '\ud83d\ud83d', '\ude00\ud83d', '😀', 'レポート', '\ufffd', '__proto__', 'constructor', 'a\ufffd', 'a\u0000', 'a\ud800'),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ maxLength: 40 }),
  );
  const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.constantFrom(0, -1.5, true, false, null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    ),
  })).value;
  const deep = fc.tuple(fc.integer({ min: MAX_STORABLE_JSON_DEPTH - 3, max: MAX_STORABLE_JSON_DEPTH + 3 }), text, fc.boolean()).map(([levels, leaf, arrays]) => {
    let value: JsonValue = leaf;
    for (let level = 0; level < levels; level += 1) value = arrays && level % 2 === 0 ? [value] : { k: value };
    return value;
  });

  it('gives the same value, identity and changes for any JSON value', () => {
    fc.assert(
      fc.property(fc.oneof(json, deep), (value) => {
        const expected = referenceWalk.walk(value);
        const actual = toStorableJson(value);
        expect(actual).toEqual(expected);
        if (actual.ok && expected.ok) expect(actual.value === value).toBe(expected.value === value);
      }),
      { seed: 17, numRuns: 3000 },
    );
  });

  it('isStorableText agrees with the reference on any text', () => {
    fc.assert(fc.property(text, (value) => isStorableText(value) === referenceWalk.storableText(value)), { seed: 17, numRuns: 5000 });
  });
});
