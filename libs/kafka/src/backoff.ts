export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 10000, factor: 2 };

/** Delay before retry number `attempt` (1-based), capped, with ±20% jitter so replicas spread out. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
