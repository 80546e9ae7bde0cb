/** A native event as the sender built it (before ingestion normalized it). */
export interface SentEvent {
  readonly id: string;
  readonly type: string;
  readonly accountId: string;
  readonly userId?: string;
  readonly timestamp: string;
  readonly properties: Record<string, unknown>;
}

/** How the sender's requests were answered: HTTP status, or `network` / `timeout`. */
export type AnswerKind = string;

/**
 * The sender's books: every event id it got a 202 (or Segment's 200) for, by account. Only
 * these ids are owed an effect; ids of batches never acknowledged are kept apart, since a
 * request that timed out may still have reached Kafka.
 */
export class EventLedger {
  /** Events generated and posted at least once. */
  sent = 0;
  /** Accepted event id → account id. */
  readonly accepted = new Map<string, string>();
  readonly acceptedByAccount = new Map<string, number>();
  /** Accepted ids by event type (for the projections that keep some types only). */
  readonly acceptedByType = new Map<string, Set<string>>();
  /** Ids of batches given up on (never acknowledged). */
  readonly abandoned = new Map<string, string>();
  /** Batches refused with a 4xx other than 429: a bug in the sender or the service. */
  readonly rejected: { status: number; body: string; events: number }[] = [];
  readonly answers = new Map<AnswerKind, number>();
  /** Requests re-sent after a 503, 5xx, 429, timeout or connection error. */
  retries = 0;
  /** Events the service itself reported as duplicates in 202 answers (retries of accepted ids). */
  reportedDuplicates = 0;
  /** The longest stretch between two 202s while batches were being sent (ingestion or Kafka unavailable). */
  longestWithoutAcceptMs = 0;
  longestWithoutAcceptEndedAt: string | null = null;
  private lastAcceptAt: number | null = null;
  /** Recently accepted batches, for redelivery faults (a bounded ring). */
  private readonly recent: SentEvent[][] = [];
  private readonly recentLimit = 200;

  noteAnswer(kind: AnswerKind): void {
    this.answers.set(kind, (this.answers.get(kind) ?? 0) + 1);
  }

  accept(events: readonly SentEvent[], reportedDuplicates: number): void {
    const now = Date.now();
    if (this.lastAcceptAt !== null && now - this.lastAcceptAt > this.longestWithoutAcceptMs) {
      this.longestWithoutAcceptMs = now - this.lastAcceptAt;
      this.longestWithoutAcceptEndedAt = new Date(now).toISOString();
    }
    this.lastAcceptAt = now;
    for (const event of events) {
      if (this.accepted.has(event.id)) continue;
      this.accepted.set(event.id, event.accountId);
      this.acceptedByAccount.set(event.accountId, (this.acceptedByAccount.get(event.accountId) ?? 0) + 1);
      const ofType = this.acceptedByType.get(event.type) ?? new Set<string>();
      ofType.add(event.id);
      this.acceptedByType.set(event.type, ofType);
      this.abandoned.delete(event.id);
    }
    this.reportedDuplicates += reportedDuplicates;
    this.recent.push([...events]);
    if (this.recent.length > this.recentLimit) this.recent.shift();
  }

  /** Closes a stretch without 202 that is still open when the sending ends (ingestion never came back). */
  finish(): void {
    if (this.lastAcceptAt !== null && Date.now() - this.lastAcceptAt > this.longestWithoutAcceptMs) {
      this.longestWithoutAcceptMs = Date.now() - this.lastAcceptAt;
      this.longestWithoutAcceptEndedAt = null;
    }
  }

  abandon(events: readonly SentEvent[]): void {
    for (const event of events) if (!this.accepted.has(event.id)) this.abandoned.set(event.id, event.accountId);
  }

  reject(events: readonly SentEvent[], status: number, body: string): void {
    this.rejected.push({ status, body: body.slice(0, 300), events: events.length });
  }

  /** An accepted batch from the older half of the ring (likely processed by now). */
  olderAcceptedBatch(pick: (count: number) => number): readonly SentEvent[] | null {
    const older = this.recent.slice(0, Math.max(1, Math.floor(this.recent.length / 2)));
    if (older.length === 0) return null;
    return older[pick(older.length)] ?? null;
  }
}
