import { isTransientError } from './error-classification';
import type { BatchResults, RecordResult } from './records';

/** A record that made the handler throw even when handled alone, and the error it threw. */
export interface PoisonRecord<R> {
  readonly record: R;
  readonly error: unknown;
}

/** What applying a batch with poison isolation produced. */
export interface IsolationOutcome<R> {
  /** The handler's results of every sub-batch that succeeded (records left out count as ok). */
  readonly results: ReadonlyMap<string, RecordResult>;
  /** The records the handler failed on alone, in offset order. */
  readonly poison: readonly PoisonRecord<R>[];
}

/**
 * Applies `records` through `apply`, isolating the records that make it fail. When `apply` throws
 * an error that is the records' fault (`isTransient` false), the batch is split in two halves,
 * the left one applied (and, if need be, split again) before the right one, so records keep their
 * order; a single record that still throws is poison. A poisoned batch of n records with one bad
 * record costs about 2·log2(n) extra calls.
 *
 * `apply` is expected to retry transient errors itself; a transient error that still escapes it
 * (the consumer is stopping, or lost the partition) propagates unchanged and nothing is decided.
 * Re-running a sub-batch after a failed attempt is safe only because handlers roll back a failed
 * transaction and are idempotent on record identity.
 */
export async function applyIsolatingPoison<R extends { readonly offset: string }>(
  records: readonly R[],
  apply: (subset: readonly R[]) => Promise<BatchResults | void>,
  isTransient: (error: unknown) => boolean = isTransientError,
): Promise<IsolationOutcome<R>> {
  const results = new Map<string, RecordResult>();
  const poison: PoisonRecord<R>[] = [];

  async function applyOrSplit(subset: readonly R[]): Promise<void> {
    if (subset.length === 0) return;
    try {
      const returned = await apply(subset);
      for (const [offset, result] of returned ?? []) results.set(offset, result);
    } catch (error) {
      if (isTransient(error)) throw error;
      const [only] = subset;
      if (subset.length === 1 && only) {
        poison.push({ record: only, error });
        return;
      }
      const middle = Math.ceil(subset.length / 2);
      await applyOrSplit(subset.slice(0, middle));
      await applyOrSplit(subset.slice(middle));
    }
  }

  await applyOrSplit(records);
  return { results, poison };
}
