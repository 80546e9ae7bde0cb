import type { JsonValue } from './messages';
import { setOwn } from './own-keys';

/**
 * The characters PostgreSQL cannot keep: U+0000 (refused in `text` and `jsonb`) and UTF-16
 * surrogates that are not part of a pair (refused by `jsonb` as "\ud83d" escapes; mangled by the
 * UTF-8 encoder in `text`). Surrogates are matched per code unit, hence no `u` flag.
 */
const NUL = '\u0000';
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/**
 * Any surrogate at all: almost every text has none, so the lookaround pattern above (several
 * times slower on long ASCII) only runs on the few that do.
 */
const HAS_SURROGATE = /[\ud800-\udfff]/;

/** U+FFFD REPLACEMENT CHARACTER, what Unicode prescribes for a character that cannot be kept. */
export const REPLACEMENT_CHARACTER = '\ufffd';

/** True when PostgreSQL can store the text as is (no U+0000, no unpaired surrogate). */
export function isStorableText(text: string): boolean {
  return !text.includes(NUL) && (!HAS_SURROGATE.test(text) || !HAS_LONE_SURROGATE.test(text));
}

/** The text with every U+0000 and unpaired surrogate replaced by U+FFFD (same length in UTF-16). */
export function toStorableText(text: string): string {
  return text.replaceAll(NUL, REPLACEMENT_CHARACTER).replace(LONE_SURROGATES, REPLACEMENT_CHARACTER);
}

/** One change made to make a value storable: the dotted path (`batch.3.properties.feature`) and what happened. */
export interface StorableTextChange {
  readonly path: string;
  readonly message: string;
}

/** Deepest nesting `toStorableJson` walks: far above every limit on properties, far below the call stack. */
export const MAX_STORABLE_JSON_DEPTH = 64;

class NestingTooDeepError extends Error {
  constructor(readonly path: string) {
    super(`is nested deeper than ${MAX_STORABLE_JSON_DEPTH} levels`);
  }
}

/** The storable value and each change made, or, for a value nested too deeply to walk, where (a 400 for callers). */
export type StorableJson<T> =
  | { readonly ok: true; readonly value: T; readonly changes: readonly StorableTextChange[] }
  | { readonly ok: false; readonly problem: StorableTextChange };

const REPLACED = 'contained U+0000 or an unpaired UTF-16 surrogate, which cannot be stored; replaced with U+FFFD';
const KEY_REPLACED = `key ${REPLACED}`;
const KEY_COLLIDED = 'key collides with another key once U+FFFD replaces its U+0000 or unpaired surrogate; this value was dropped';

/**
 * Makes every string of a parsed JSON value storable in PostgreSQL `text`/`jsonb`: values and
 * object keys, at any depth, get `toStorableText`. Returns the same value (by reference) when
 * nothing needed a change, else a copy, with one change per replaced string or key.
 *
 * Keys that become equal after replacement: a key the client sent clean wins over a replaced one,
 * and among replaced keys the first wins; the losers are dropped and reported. Copies define keys
 * as own data properties, so even a `__proto__` key can never touch a prototype. A value nested
 * deeper than MAX_STORABLE_JSON_DEPTH is not walked (`ok: false`), so a deep body can never
 * overflow the stack.
 */
export function toStorableJson<T extends JsonValue>(value: T, path = ''): StorableJson<T> {
  // The common body needs no change: one read-only pass proves it, without building the paths
  // and copies that the reporting walk makes for every node.
  if (isStorableAsIs(value, 0)) return { ok: true, value, changes: [] };
  const changes: StorableTextChange[] = [];
  try {
    return { ok: true, value: sanitize(value, path, changes, 0) as T, changes };
  } catch (error) {
    if (error instanceof NestingTooDeepError) return { ok: false, problem: { path: error.path, message: error.message } };
    throw error;
  }
}

/**
 * True when `sanitize` would return `value` itself with no change: every string and key is
 * storable and no object or array sits at MAX_STORABLE_JSON_DEPTH or deeper (where sanitize
 * stops). Walks the same own enumerable keys as sanitize's `Object.entries`.
 */
function isStorableAsIs(value: JsonValue, depth: number): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_STORABLE_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isStorableAsIs(item, depth + 1)) return false;
    return true;
  }
  const keys = Object.keys(value);
  for (const key of keys) {
    if (!isStorableText(key) || !isStorableAsIs(value[key] as JsonValue, depth + 1)) return false;
  }
  return true;
}

function sanitize(value: JsonValue, path: string, changes: StorableTextChange[], depth: number): JsonValue {
  if (typeof value === 'string') {
    if (isStorableText(value)) return value;
    changes.push({ path, message: REPLACED });
    return toStorableText(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_STORABLE_JSON_DEPTH) throw new NestingTooDeepError(path);
  if (Array.isArray(value)) {
    let copy: JsonValue[] | null = null;
    value.forEach((item, index) => {
      const clean = sanitize(item, join(path, String(index)), changes, depth + 1);
      if (clean !== item) copy ??= value.slice();
      if (copy) copy[index] = clean;
    });
    return copy ?? value;
  }
  const entries = Object.entries(value);
  const cleanKeys = new Set(entries.map(([key]) => key).filter(isStorableText));
  let changed = false;
  const copy: Record<string, JsonValue> = {};
  for (const [key, item] of entries) {
    let outKey = key;
    if (!cleanKeys.has(key)) {
      outKey = toStorableText(key);
      changed = true;
      if (cleanKeys.has(outKey) || Object.hasOwn(copy, outKey)) {
        changes.push({ path: join(path, outKey), message: KEY_COLLIDED });
        continue;
      }
      changes.push({ path: join(path, outKey), message: KEY_REPLACED });
    }
    const clean = sanitize(item as JsonValue, join(path, outKey), changes, depth + 1);
    if (clean !== item) changed = true;
    setOwn(copy, outKey, clean);
  }
  return changed ? copy : value;
}

function join(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}
