import { type CacheLookup, SingleFlightCache } from './single-flight-cache';

/** A computation the test resolves or rejects by hand. */
function deferred<V>(): { promise: Promise<V>; resolve: (value: V) => void; reject: (error: Error) => void } {
  let resolve!: (value: V) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlightCache', () => {
  let clock: number;
  let lookups: CacheLookup[];
  const cache = (ttlMs = 1000, maxEntries = 10) => new SingleFlightCache<string>({ ttlMs, maxEntries, now: () => clock, onLookup: (lookup) => lookups.push(lookup) });

  beforeEach(() => {
    clock = 1_000_000;
    lookups = [];
  });

  it('runs one computation for concurrent lookups of a key and gives each the value', async () => {
    const subject = cache();
    const computation = deferred<string>();
    const compute = jest.fn(() => computation.promise);
    const answers = [subject.get('k', compute), subject.get('k', compute), subject.get('k', compute)];
    computation.resolve('v');
    expect(await Promise.all(answers)).toEqual(['v', 'v', 'v']);
    expect(compute).toHaveBeenCalledTimes(1);
    expect(lookups).toEqual(['miss', 'shared', 'shared']);
  });

  it('serves the stored value until the TTL after the computation started, then computes again', async () => {
    const subject = cache(1000);
    let calls = 0;
    const compute = () => Promise.resolve(`v${++calls}`);
    expect(await subject.get('k', compute)).toBe('v1');
    clock += 999;
    expect(await subject.get('k', compute)).toBe('v1');
    clock += 1;
    expect(await subject.get('k', compute)).toBe('v2');
    expect(lookups).toEqual(['miss', 'hit', 'miss']);
  });

  it('keeps keys apart', async () => {
    const subject = cache();
    expect(await subject.get('a', () => Promise.resolve('A'))).toBe('A');
    expect(await subject.get('b', () => Promise.resolve('B'))).toBe('B');
    expect(await subject.get('a', () => Promise.resolve('other'))).toBe('A');
  });

  it('stores no failure: every waiter gets the error and the next lookup computes again', async () => {
    const subject = cache();
    const computation = deferred<string>();
    const first = subject.get('k', () => computation.promise);
    const second = subject.get('k', () => Promise.resolve('unused'));
    computation.reject(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await expect(second).rejects.toThrow('database down');
    expect(await subject.get('k', () => Promise.resolve('v'))).toBe('v');
    expect(lookups).toEqual(['miss', 'shared', 'miss']);
  });

  it('with a TTL of 0 only shares computations under way', async () => {
    const subject = cache(0);
    expect(await subject.get('k', () => Promise.resolve('v1'))).toBe('v1');
    expect(await subject.get('k', () => Promise.resolve('v2'))).toBe('v2');
    expect(subject.size).toBe(0);
  });

  it('keeps at most maxEntries values, dropping the oldest', async () => {
    const subject = cache(1000, 2);
    await subject.get('a', () => Promise.resolve('A'));
    await subject.get('b', () => Promise.resolve('B'));
    await subject.get('c', () => Promise.resolve('C'));
    expect(subject.size).toBe(2);
    expect(await subject.get('a', () => Promise.resolve('A2'))).toBe('A2');
    expect(await subject.get('c', () => Promise.resolve('unused'))).toBe('C');
  });
});
