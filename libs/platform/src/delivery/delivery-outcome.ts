import { backoffDelay, type BackoffPolicy } from '@bellwether/kafka';

/** Retry settings of one delivery kind (from `retryConfig`: webhooks or deliveries). */
export interface DeliveryRetryPolicy {
  readonly backoff: BackoffPolicy;
  /** Attempts in all (the first one included) before a delivery is given up on. */
  readonly maxAttempts: number;
}

/**
 * Why an attempt failed. `permanent`: the receiver refused for good (an SMTP 5xx reply, RFC 5321
 * §4.2.1 "permanent negative completion"), so trying again cannot help. Otherwise the failure is
 * transient (a 4xx reply, a refused or dropped connection, a timeout) and is retried.
 */
export interface DeliveryFailure {
  readonly error: string;
  readonly permanent: boolean;
}

/** What to record after an attempt; `attempts` counts this one. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number }
  | { readonly kind: 'retry'; readonly attempts: number; readonly error: string; readonly nextAttemptAtMs: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly error: string };

/**
 * Decides the fate of an attempt: `failure` null means the receiver accepted it (a 2xx answer, an
 * SMTP 250). A string is a transient failure (the webhooks' non-2xx answers and network errors).
 * A transient failure is retried after `backoffDelay(policy.backoff, attempts)` ms from `nowMs`
 * (epoch ms) until `attempts` reaches `policy.maxAttempts`, when it has failed for good; a
 * permanent one (`DeliveryFailure.permanent`) has failed for good at once.
 */
export function deliveryOutcome(
  previousAttempts: number,
  failure: string | DeliveryFailure | null,
  policy: DeliveryRetryPolicy,
  nowMs: number,
  random: () => number = Math.random,
): DeliveryOutcome {
  const attempts = previousAttempts + 1;
  if (failure === null) return { kind: 'delivered', attempts };
  const { error, permanent } = typeof failure === 'string' ? { error: failure, permanent: false } : failure;
  if (permanent || attempts >= policy.maxAttempts) return { kind: 'failed', attempts, error };
  return { kind: 'retry', attempts, error, nextAttemptAtMs: nowMs + backoffDelay(policy.backoff, attempts, random) };
}
