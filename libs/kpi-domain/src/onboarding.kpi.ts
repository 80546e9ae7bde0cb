import { toMillis } from '@bellwether/playbook-domain';
import { type OnboardingRecord, type RateValue } from './kpi.types';
import { assertFraction, ratio } from './kpi-math.util';

export interface OnboardingCompletion extends RateValue {
  /** Onboardings still open as of `asOf` (not completed, not yet due): in neither `count` nor `n`. */
  readonly pending: number;
  readonly target: number;
  /** `value ≥ target`; `null` when there is no value. */
  readonly meetsTarget: boolean | null;
}

/**
 * Onboarding completion rate as of `asOf`: among onboardings whose result is known, the share
 * completed within the onboarding period (`completedAt ≤ dueAt`). A result is known once the
 * onboarding completed on time (at or before `asOf`) or once `dueAt ≤ asOf`; the rest are
 * `pending` and left out, so an onboarding still under way never counts as a failure. A
 * completion after `asOf` is ignored (as if not yet seen). Target: 90 % (product.md).
 */
export function onboardingCompletionRate(records: readonly OnboardingRecord[], asOf: string, target = 0.9): OnboardingCompletion {
  assertFraction(target, 'target');
  const now = toMillis(asOf);
  let count = 0;
  let n = 0;
  for (const record of records) {
    const due = toMillis(record.dueAt);
    const completed = record.completedAt === null ? null : toMillis(record.completedAt);
    const onTime = completed !== null && completed <= due && completed <= now;
    if (onTime) count += 1;
    if (onTime || due <= now) n += 1;
  }
  const value = ratio(count, n);
  return { value, n, count, pending: records.length - n, target, meetsTarget: value === null ? null : value >= target };
}
