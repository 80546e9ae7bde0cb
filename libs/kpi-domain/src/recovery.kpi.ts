import { DAY_MS } from '@bellwether/contracts';
import { toMillis } from '@bellwether/playbook-domain';
import { type RateValue, type RiskDetectionRecord } from './kpi.types';
import { assertPositive, ratio } from './kpi-math.util';

export interface RecoveryRate extends RateValue {
  /** `count`: detections recovered. `churned`: detections whose account churned within the window. */
  readonly churned: number;
  /** Detections whose window is still open as of `asOf` and that have not churned: in neither `count` nor `n`. */
  readonly pending: number;
  readonly windowDays: number;
}

/**
 * Recovery rate as of `asOf`: among at-risk detections whose result is known, the share whose
 * account did not churn within `windowDays` days of the detection. A detection is churned once
 * `churnedAt ≤ detectedAt + windowDays` (and `churnedAt ≤ asOf`), recovered once the window has
 * passed (`detectedAt + windowDays ≤ asOf`) without that; otherwise pending and left out. A churn
 * after the window counts as recovered (the playbook bought the window). Every detection counts,
 * so an account detected twice counts twice.
 */
export function recoveryRate(detections: readonly RiskDetectionRecord[], windowDays: number, asOf: string): RecoveryRate {
  assertPositive(windowDays, 'windowDays');
  const now = toMillis(asOf);
  let recovered = 0;
  let churned = 0;
  for (const detection of detections) {
    const windowEnd = toMillis(detection.detectedAt) + windowDays * DAY_MS;
    const churnedAt = detection.churnedAt === null ? null : toMillis(detection.churnedAt);
    if (churnedAt !== null && churnedAt <= windowEnd && churnedAt <= now) churned += 1;
    else if (windowEnd <= now) recovered += 1;
  }
  const n = recovered + churned;
  return { value: ratio(recovered, n), n, count: recovered, churned, pending: detections.length - n, windowDays };
}
