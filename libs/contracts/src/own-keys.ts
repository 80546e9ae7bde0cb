/**
 * Plain objects used as maps keyed by text from outside (user ids, feature, metric and topic names
 * from events, header names, rule ids from configuration): what a plain object inherits from
 * `Object.prototype` (`constructor`, `toString`, `hasOwnProperty`, `__proto__`) must never be read
 * as a stored value, and a plain assignment to `map['__proto__']` replaces the prototype instead of
 * storing a key. These two helpers read and write own properties only; where the map never goes
 * to JSON, a `Map` is simpler still.
 */

/**
 * The value stored under `key` in `map`, own properties only: `__proto__`, `constructor` or
 * `toString` are keys like any other rather than what a plain object inherits. Undefined when absent.
 */
export function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * Stores `value` under `key` as an own, enumerable data property, as `JSON.parse` stores the keys
 * of a loaded object: a plain assignment to `map['__proto__']` would replace the object's
 * prototype (or, for a value that is no object, be ignored) instead.
 */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
}
