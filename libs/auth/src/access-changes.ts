import { Injectable } from '@nestjs/common';
import { type Observable, Subject, type Subscription } from 'rxjs';

/** A change to data that access checks read: which source, and the ids it touched. */
export interface AccessChange {
  /** The store that changed, e.g. `api-keys` (the key ring) or a directory of CSMs and teams. */
  readonly source: string;
  /** Ids of the changed records in that store (key ids, CSM ids, team names). */
  readonly ids: readonly string[];
}

/**
 * The hook every source of access data announces its changes on. Long-lived requests (the queue
 * SSE streams) re-check their access on each emission of `accessChanged$`, so a revoked key, a
 * rotated secret or a CSM moved out of a team ends what it may no longer see at once.
 *
 * The key ring is wired in by `AuthModule`. Another ring (a directory of CSMs, teams and managers)
 * joins with `follow(directory.changes$)` or calls `publish` after it applied a change; nothing
 * else is needed for streams to honour it, provided the stream's access function reads it.
 */
@Injectable()
export class AccessChanges {
  private readonly changes = new Subject<AccessChange>();

  readonly accessChanged$: Observable<AccessChange> = this.changes.asObservable();

  publish(change: AccessChange): void {
    this.changes.next(change);
  }

  /** Forwards every change of a source until the returned subscription ends. */
  follow(source: Observable<AccessChange>): Subscription {
    return source.subscribe((change) => this.publish(change));
  }
}
