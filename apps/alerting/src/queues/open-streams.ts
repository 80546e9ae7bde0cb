import { Gauge } from 'prom-client';

const openStreamsGauge = new Gauge({ name: 'bellwether_open_streams', help: 'Queue SSE streams open on this replica' });

/**
 * Open queue streams per API key on this replica, capped: each stream holds a connection and a
 * subscription to every alert, so one key must not be able to open them without bound. The cap
 * is per replica (a load balancer spreading a key over N replicas allows up to N × the cap).
 */
export class OpenStreams {
  private readonly perKey = new Map<string, number>();

  constructor(private readonly maxPerKey: number) {}

  /**
   * Counts a new stream for `keyId` and returns its release function (idempotent), or null when
   * the key already holds `maxPerKey` streams.
   */
  open(keyId: string): (() => void) | null {
    const current = this.perKey.get(keyId) ?? 0;
    if (current >= this.maxPerKey) return null;
    this.perKey.set(keyId, current + 1);
    openStreamsGauge.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perKey.get(keyId) ?? 1) - 1;
      if (left > 0) this.perKey.set(keyId, left);
      else this.perKey.delete(keyId);
      openStreamsGauge.dec();
    };
  }

  /** Streams `keyId` holds now. */
  count(keyId: string): number {
    return this.perKey.get(keyId) ?? 0;
  }
}
