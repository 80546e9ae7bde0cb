import { backoffDelay, type BackoffPolicy } from './backoff';

/** What kafkajs reported with a consumer crash (`consumer.events.CRASH` payload), or a failed restart of ours. */
export interface ConsumerCrash {
  /**
   * kafkajs restarts the consumer itself (a retriable error and `retry.restartOnFailure` agreed).
   * False for every other crash (a non-retriable error, a rejoin that failed for good): kafkajs has
   * then disconnected the consumer and will not touch it again. Our own failed restarts are false.
   */
  readonly restart: boolean;
}

/** Where the loop stands when a crash comes in. */
export interface CrashRecoveryState {
  /** `stop()` was called (or the loop already gave up): a crash then needs nothing. */
  readonly stopping: boolean;
  /** Restarts of ours tried since the consumer last joined its group (those that ran but crashed again count). */
  readonly restartsSinceJoin: number;
}

export interface CrashRecoveryPolicy {
  /** Restarts tried before giving up (CONSUMER_RESTART_ATTEMPTS). */
  readonly maxAttempts: number;
  /** Delay before each restart: `backoffDelay(backoff, attempt)`. */
  readonly backoff: BackoffPolicy;
}

/**
 * What the consumer does after a crash:
 * - `wait`: nothing to do (kafkajs restarts the consumer, or the loop is stopping);
 * - `restart`: replace the consumer with a new member after `delayMs` (attempt is 1-based);
 * - `give-up`: every attempt failed; the loop reports not live and the service exits.
 */
export type CrashRecovery =
  | { readonly action: 'wait'; readonly why: 'kafkajs restarts it' | 'stopping' }
  | { readonly action: 'restart'; readonly attempt: number; readonly delayMs: number }
  | { readonly action: 'give-up' };

/**
 * Decides what follows a crash. Every crash that kafkajs will not restart ends in a restart of
 * ours or in giving up, never in a loop that is up but does not consume. `random` feeds the
 * backoff's jitter (tests pin it).
 */
export function crashRecovery(
  crash: ConsumerCrash,
  state: CrashRecoveryState,
  policy: CrashRecoveryPolicy,
  random: () => number = Math.random,
): CrashRecovery {
  if (state.stopping) return { action: 'wait', why: 'stopping' };
  if (crash.restart) return { action: 'wait', why: 'kafkajs restarts it' };
  const attempt = state.restartsSinceJoin + 1;
  if (attempt > policy.maxAttempts) return { action: 'give-up' };
  return { action: 'restart', attempt, delayMs: backoffDelay(policy.backoff, attempt, random) };
}
