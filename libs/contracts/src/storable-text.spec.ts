import { isStorableText, MAX_STORABLE_JSON_DEPTH, toStorableJson, toStorableText, type StorableJson } from './storable-text';

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
