/** A record as a handler sees it: decoded value plus where it came from. */
export interface ConsumedRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: T;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

/** What a pipeline step decided for one record (PostHog's tagged results). */
export type RecordResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'dlq'; readonly reason: string; readonly step: string }
  | { readonly kind: 'drop'; readonly reason: string };

export const RecordResults = {
  ok: { kind: 'ok' } as RecordResult,
  dlq: (reason: string, step: string): RecordResult => ({ kind: 'dlq', reason, step }),
  drop: (reason: string): RecordResult => ({ kind: 'drop', reason }),
};

/** A batch from one partition, decoded. Records that failed decoding never reach the handler. */
export interface DecodedBatch<T> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord<T>[];
  /** Call inside long work so the group does not evict this member. */
  readonly heartbeat: () => Promise<void>;
}

/** The handler's answer: a result per record offset; records left out count as ok. */
export type BatchResults = ReadonlyMap<string, RecordResult>;

/** Decodes a raw value. Returns a problem string for a poison message. */
export type RecordDecoder<T> = (value: unknown) => { ok: true; value: T } | { ok: false; problem: string };

/**
 * Thrown (or set as the `cause` of what is thrown) by handlers for failures that are worth
 * retrying: the (sub-)batch is retried with backoff and nothing is committed. Connection and
 * lock errors of Postgres, Redis and Kafka are recognised without it (`classifyError`). Any other
 * error is taken as a fault of a record: the consumer isolates the record and dead-letters it.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * Adapts a contract validator (`validateX` of libs/contracts) to a consumer decoder: its problems
 * become one `path: message; …` string, the `dlq_reason` of a record that fails.
 */
export function decoderFrom<T>(validate: (value: unknown) => { ok: true; value: T } | { ok: false; problems: readonly { path: string; message: string }[] }): RecordDecoder<T> {
  return (value) => {
    const result = validate(value);
    return result.ok ? { ok: true, value: result.value } : { ok: false, problem: result.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ') };
  };
}
