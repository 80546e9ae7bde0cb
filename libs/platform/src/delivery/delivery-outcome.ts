import { backoffDelay, type BackoffPolicy } from '@bellwether/kafka';

/** Retry settings of one delivery kind (from `retryConfig`: webhooks or deliveries). */
export interface DeliveryRetryPolicy {
  readonly backoff: BackoffPolicy;
  /** Attempts in all (the first one included) before a delivery is given up on. */
  readonly maxAttempts: number;
}

/** What to record after an attempt; `attempts` counts this one. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number }
  | { readonly kind: 'retry'; readonly attempts: number; readonly error: string; readonly nextAttemptAtMs: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly error: string };

/**
 * Decides the fate of an attempt: `error` null means the receiver answered 2xx. Otherwise the
 * delivery is retried after `backoffDelay(policy.backoff, attempts)` ms from `nowMs` (epoch ms),
 * until `attempts` reaches `policy.maxAttempts`, when it has failed for good.
 */
export function deliveryOutcome(previousAttempts: number, error: string | null, policy: DeliveryRetryPolicy, nowMs: number, random: () => number = Math.random): DeliveryOutcome {
  const attempts = previousAttempts + 1;
  if (error === null) return { kind: 'delivered', attempts };
  if (attempts >= policy.maxAttempts) return { kind: 'failed', attempts, error };
  return { kind: 'retry', attempts, error, nextAttemptAtMs: nowMs + backoffDelay(policy.backoff, attempts, random) };
}
