/** How a lookup was served: a fresh stored value, a computation another caller started, or a new one. */
export type CacheLookup = 'hit' | 'shared' | 'miss';

export interface SingleFlightCacheOptions {
  /** How long a value is served after its computation started, ms (0: never stored, only shared). */
  readonly ttlMs: number;
  /** Most values kept; the oldest is dropped first. */
  readonly maxEntries: number;
  /** The clock, ms since the epoch (injectable for tests). */
  readonly now?: () => number;
  /** Called once per lookup, e.g. to count hits and misses. */
  readonly onLookup?: (lookup: CacheLookup) => void;
}

interface Entry<V> {
  readonly value: V;
  /** When the computation that produced it started: the data is at most this old. */
  readonly since: number;
}

/**
 * A small in-process cache with single flight: concurrent lookups of one key share one
 * computation, and its value is served for `ttlMs` after the computation started (so an answer
 * is never older than the TTL). A failed computation is not stored; every caller waiting on it
 * gets its error and the next lookup computes again. No library in the tree does both
 * (the installed lru-cache is v5, without fetchMethod), hence this one.
 */
export class SingleFlightCache<V> {
  private readonly values = new Map<string, Entry<V>>();
  private readonly inFlight = new Map<string, Promise<V>>();
  private readonly now: () => number;

  constructor(private readonly options: SingleFlightCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The value of `key`: stored and fresh, being computed, or computed now by `compute`. */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const stored = this.values.get(key);
    if (stored && this.now() - stored.since < this.options.ttlMs) {
      this.options.onLookup?.('hit');
      return Promise.resolve(stored.value);
    }
    const running = this.inFlight.get(key);
    if (running) {
      this.options.onLookup?.('shared');
      return running;
    }
    this.options.onLookup?.('miss');
    const since = this.now();
    const computation = (async () => {
      try {
        const value = await compute();
        this.store(key, { value, since });
        return value;
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, computation);
    return computation;
  }

  /** Number of stored values (fresh or not yet dropped). */
  get size(): number {
    return this.values.size;
  }

  private store(key: string, entry: Entry<V>): void {
    if (this.options.ttlMs <= 0) return;
    this.values.delete(key);
    const now = this.now();
    for (const [storedKey, stored] of this.values) {
      if (now - stored.since >= this.options.ttlMs) this.values.delete(storedKey);
    }
    while (this.values.size >= this.options.maxEntries) {
      const oldest = this.values.keys().next().value;
      if (oldest === undefined) break;
      this.values.delete(oldest);
    }
    this.values.set(key, entry);
  }
}
