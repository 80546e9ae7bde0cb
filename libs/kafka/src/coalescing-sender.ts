import { Counter, Gauge } from 'prom-client';

const coalescerMetrics = {
  submissions: new Counter({ name: 'bellwether_kafka_coalesced_submissions_total', help: 'Submissions (e.g. HTTP requests) handed to a coalescing sender, by topic', labelNames: ['topic'] as const }),
  sends: new Counter({ name: 'bellwether_kafka_coalesced_sends_total', help: 'Producer sends made by a coalescing sender, by topic (fewer than submissions when requests were merged)', labelNames: ['topic'] as const }),
  queued: new Gauge({ name: 'bellwether_kafka_coalescer_queued_records', help: 'Records handed to a coalescing sender that no send has taken yet, by topic', labelNames: ['topic'] as const }),
};

/** Where a coalescing sender's records go: one producer send, resolved once the broker acknowledged all of them. */
export type SendRecords<R> = (records: readonly R[]) => Promise<void>;

export interface CoalescingSenderOptions<R> {
  /** The topic label of the metrics (the sender itself does not name topics; `send` does). */
  readonly topic: string;
  /** One producer send of the records given, in order (e.g. `MessageProducer.send` on one topic). */
  readonly send: SendRecords<R>;
  /** A record's size on the wire, bytes (roughly is enough: it only splits sends and flushes). */
  readonly sizeOf: (record: R) => number;
  /** Most bytes of records per send (a record larger than this goes in a send of its own). */
  readonly maxSendBytes: number;
  /**
   * Most bytes of records one flush takes from the queue (whole submissions, at least one); the
   * rest wait for the next flush. Bounds the sends one flush makes and what a late submission
   * of it waits for.
   */
  readonly maxFlushBytes: number;
}

/** A run of one submission's records inside a planned send. */
export interface SendPart<R> {
  /** Index of the submission in the flush. */
  readonly submission: number;
  readonly records: readonly R[];
}

/**
 * How many of the queued submissions (sizes in bytes, in arrival order) one flush takes: whole
 * submissions while their sum stays within `maxFlushBytes`, and always at least one. Pure.
 */
export function submissionsPerFlush(sizes: readonly number[], maxFlushBytes: number): number {
  let taken = 0;
  let bytes = 0;
  for (const size of sizes) {
    if (taken > 0 && bytes + size > maxFlushBytes) break;
    taken += 1;
    bytes += size;
  }
  return taken;
}

/**
 * Splits a flush's submissions (each a list of records, in order) into sends of at most
 * `maxSendBytes`, keeping every record in its order: the concatenation of all sends is the
 * concatenation of the submissions. Each send lists which submission each run of records belongs
 * to. A record larger than `maxSendBytes` gets a send of its own. Pure.
 */
export function planSends<R>(submissions: readonly (readonly R[])[], sizeOf: (record: R) => number, maxSendBytes: number): SendPart<R>[][] {
  const sends: SendPart<R>[][] = [];
  let send: SendPart<R>[] = [];
  let sendBytes = 0;
  let sendRecords = 0;
  submissions.forEach((records, submission) => {
    let run: R[] = [];
    for (const record of records) {
      const bytes = sizeOf(record);
      if (sendRecords > 0 && sendBytes + bytes > maxSendBytes) {
        if (run.length > 0) send.push({ submission, records: run });
        sends.push(send);
        send = [];
        run = [];
        sendBytes = 0;
        sendRecords = 0;
      }
      run.push(record);
      sendBytes += bytes;
      sendRecords += 1;
    }
    if (run.length > 0) send.push({ submission, records: run });
  });
  if (sendRecords > 0) sends.push(send);
  return sends;
}

interface Submission<R> {
  readonly records: readonly R[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Merges the records of concurrent submissions into shared producer sends (group commit): a
 * submission that arrives while no flush is under way is sent at once; submissions that arrive
 * while one is under way wait for it to end and then go out together in the next flush.
 *
 * Why "flush when the previous send completes" and not a linger timer: kafkajs' idempotent
 * producer holds a per-broker lock for the whole produce round trip (`acquireBrokerLock` in its
 * sendMessages), so concurrent sends queue behind each other anyway. Waiting for the previous
 * flush therefore costs a submission nothing it would not have waited for, batches exactly what
 * piled up during that round trip (the batch grows with the load by itself), and adds no delay
 * when the sender is idle, where a linger of 1–2 ms would add it to every lone request.
 *
 * Guarantees: a submission's records keep their order (sends within a flush are made one after
 * the other, each at most `maxSendBytes`); its promise resolves only once every send carrying
 * its records was acknowledged, and rejects with the send's error if one of them failed. A failed
 * send rejects only the submissions with records in it; later sends of the same flush still go,
 * without the records of submissions already rejected. An empty submission resolves at once.
 */
export class CoalescingSender<R> {
  private readonly queue: Submission<R>[] = [];
  private flushing = false;

  constructor(private readonly options: CoalescingSenderOptions<R>) {}

  /** Hands over `records` (in order); resolves when all are acknowledged, rejects if a send carrying them failed. */
  submit(records: readonly R[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    coalescerMetrics.submissions.inc({ topic: this.options.topic });
    coalescerMetrics.queued.inc({ topic: this.options.topic }, records.length);
    const bytes = records.reduce((sum, record) => sum + this.options.sizeOf(record), 0);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, bytes, resolve, reject });
      if (!this.flushing) void this.flushAll();
    });
  }

  /** Records handed over that no send has taken yet. */
  get queuedRecords(): number {
    return this.queue.reduce((sum, submission) => sum + submission.records.length, 0);
  }

  private async flushAll(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const taken = this.queue.splice(0, submissionsPerFlush(this.queue.map((submission) => submission.bytes), this.options.maxFlushBytes));
        coalescerMetrics.queued.dec({ topic: this.options.topic }, taken.reduce((sum, submission) => sum + submission.records.length, 0));
        try {
          await this.flush(taken);
        } catch (error) {
          // Not a failed send (those are answered in flush) but a bug (e.g. sizeOf throwing while
          // planning): answer the flush's submissions rather than leave them waiting forever, and
          // keep the loop going; flushAll is not awaited, so a rejection here would be unhandled.
          for (const submission of taken) submission.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async flush(submissions: readonly Submission<R>[]): Promise<void> {
    const failed = new Set<number>();
    const sends = planSends(
      submissions.map((submission) => submission.records),
      this.options.sizeOf,
      this.options.maxSendBytes,
    );
    // A submission is answered as soon as the last send carrying its records is done.
    const lastSend = new Map<number, number>();
    sends.forEach((parts, index) => parts.forEach((part) => lastSend.set(part.submission, index)));
    for (const [index, parts] of sends.entries()) {
      const live = parts.filter((part) => !failed.has(part.submission));
      if (live.length === 0) continue;
      try {
        coalescerMetrics.sends.inc({ topic: this.options.topic });
        await this.options.send(live.flatMap((part) => part.records));
      } catch (error) {
        for (const part of live) {
          failed.add(part.submission);
          submissions[part.submission]?.reject(error);
        }
      }
      for (const part of live) if (!failed.has(part.submission) && lastSend.get(part.submission) === index) submissions[part.submission]?.resolve();
    }
  }
}
