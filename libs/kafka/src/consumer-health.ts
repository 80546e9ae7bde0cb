/**
 * Readiness and liveness of one consumer loop, from what the loop last did. Modelled on PostHog's
 * consumer health check (plugin-server `KafkaConsumer.isHealthy`): a loop is alive while it keeps
 * polling or finishing batches; one that did neither for longer than the stall limit is stuck, and
 * a liveness probe on it should restart the process.
 */
export interface ConsumerLoopState {
  /** `start` finished and `stop` was not called. */
  readonly running: boolean;
  /** The consumer crashed and a restart is pending (kafkajs' or ours): the message of the crash. */
  readonly crashed: string | null;
  /** Restarting after a crash failed every attempt: the loop is gone for good. */
  readonly gaveUp: string | null;
  /** A transient error is being retried: since when (epoch ms), which attempt, and the error. */
  readonly retrying: { readonly since: number; readonly attempt: number; readonly error: string } | null;
  /** Epoch ms at which the batch in progress started, or null between batches. */
  readonly busySince: number | null;
  /** Epoch ms of the loop's last sign of life: a fetch, a heartbeat, a join, a finished batch. */
  readonly lastActivityAt: number;
}

export interface ConsumerHealth {
  readonly running: boolean;
  /** Readiness: false while crashed, retrying a transient error, stalled, or not running. */
  readonly healthy: boolean;
  /** Liveness: false only when the loop is stuck (no progress for the stall limit) or gave up. */
  readonly live: boolean;
  readonly detail: string;
}

/** Health of a loop in `state` at `now` (epoch ms); `stallAfterMs` is the liveness limit. */
export function consumerHealth(state: ConsumerLoopState, now: number, stallAfterMs: number): ConsumerHealth {
  if (state.gaveUp !== null) return { running: false, healthy: false, live: false, detail: `consumer gave up restarting: ${state.gaveUp}` };
  // Before start and after stop the process is booting or shutting down: not ready, not stuck.
  if (!state.running) return { running: false, healthy: false, live: true, detail: 'not running' };
  const stalledFor = stallDuration(state, now);
  const stalled = stalledFor > stallAfterMs;
  const stallNote = stalled ? `stalled: no batch finished and no poll for ${Math.round(stalledFor / 1000)} s; ` : '';
  if (state.crashed !== null) return { running: true, healthy: false, live: !stalled, detail: `${stallNote}crashed, restarting: ${state.crashed}` };
  if (state.retrying !== null) {
    const { since, attempt, error } = state.retrying;
    return { running: true, healthy: false, live: !stalled, detail: `${stallNote}retrying since ${new Date(since).toISOString()} (attempt ${attempt}): ${error}` };
  }
  if (stalled) return { running: true, healthy: false, live: false, detail: stallNote.replace(/; $/, '') };
  return { running: true, healthy: true, live: true, detail: 'ok' };
}

/** How long the loop has made no progress: a batch under way for long, or no activity at all. */
function stallDuration(state: ConsumerLoopState, now: number): number {
  const busyFor = state.busySince === null ? 0 : now - state.busySince;
  return Math.max(busyFor, now - state.lastActivityAt);
}
