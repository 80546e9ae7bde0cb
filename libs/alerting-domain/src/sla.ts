import { instantMs } from './time.util';

/**
 * When an alert must be acknowledged by (ISO-8601, UTC): `slaSeconds` after its SLA starts. The
 * SLA starts when the alert opened, i.e. at the event time of the score change that opened it, so
 * in event mode (replays) the due time is a function of the events alone and the pipeline clock
 * reaches it at the same point of every replay.
 *
 * `queuedAt` is when the alert reached the queue, given only in wall mode: the SLA then starts at
 * the later of the two, so an alert opened by late data (an event hours old) still gives its CSM
 * the whole SLA instead of escalating at once. In event mode pass null: the wall time a replay
 * happens to process an event must not decide anything.
 *
 * Throws RangeError when `openedAt` or `queuedAt` is not an ISO-8601 instant (a caller bug: both
 * come from validated messages or the clock).
 */
export function slaDueAt(openedAt: string, slaSeconds: number, queuedAt: string | null = null): string {
  const openedMs = instantMs(openedAt);
  const queuedMs = queuedAt === null ? null : instantMs(queuedAt);
  if (openedMs === null) throw new RangeError(`slaDueAt: openedAt is not an ISO-8601 instant: ${openedAt}`);
  if (queuedAt !== null && queuedMs === null) throw new RangeError(`slaDueAt: queuedAt is not an ISO-8601 instant: ${queuedAt}`);
  return new Date(Math.max(openedMs, queuedMs ?? openedMs) + slaSeconds * 1000).toISOString();
}
