/**
 * One problem with (or one change made to) an ingested body: `index` is the event's or message's
 * position in its batch when the problem is one event's, `path` the dotted field path within it
 * ('' for the whole), `message` what is wrong, for a person. The HTTP contract's error shape:
 * structurally the same as platform's `RequestProblem`, which a domain lib may not import.
 */
export interface InputProblem {
  readonly index?: number;
  readonly path: string;
  readonly message: string;
}
