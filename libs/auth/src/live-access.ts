import { Observable } from 'rxjs';

export interface LiveAccessOptions<T> {
  /**
   * Whether the holder may still receive `source`, from the current data: a function of the
   * principal's current record (the key ring, a directory) and the access rule. Synchronous, so a
   * check never races a later change.
   */
  readonly stillAllowed: () => boolean;
  /** When to re-check: every access-data change, and a periodic tick as a floor. */
  readonly triggers: Observable<unknown>;
  /** Sent last when access ended (e.g. an `access.revoked` SSE event); then the result completes. */
  readonly ended: T;
}

/**
 * Mirrors `source` for as long as access holds. On each trigger it re-checks `stillAllowed`; the
 * first time it fails, it emits `ended`, completes and unsubscribes from `source`, so nothing is
 * delivered after. Completes or errors with `source` otherwise.
 */
export function whileAccessAllowed<T>(source: Observable<T>, options: LiveAccessOptions<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const checks = options.triggers.subscribe(() => {
      if (subscriber.closed || options.stillAllowed()) return;
      subscriber.next(options.ended);
      subscriber.complete();
    });
    const feed = source.subscribe(subscriber);
    return () => {
      checks.unsubscribe();
      feed.unsubscribe();
    };
  });
}
