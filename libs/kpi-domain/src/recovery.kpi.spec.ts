import { type RiskDetectionRecord } from './kpi.types';
import { recoveryRate } from './recovery.kpi';

const ASOF = '2026-06-01T00:00:00.000Z';
const detection = (accountId: string, detectedAt: string, churnedAt: string | null): RiskDetectionRecord => ({ accountId, detectedAt, churnedAt });

describe('recoveryRate', () => {
  it('is the share of decided detections that did not churn within the window', () => {
    // 2026-01-01 + 90 days = 2026-04-01 (31 + 28 + 31).
    const detections = [
      detection('1', '2026-01-01T00:00:00.000Z', null), // window closed, no churn → recovered
      detection('2', '2026-01-01T00:00:00.000Z', '2026-02-15T00:00:00.000Z'), // churned within → churned
      detection('3', '2026-01-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'), // churned after the window → recovered
      detection('4', '2026-05-01T00:00:00.000Z', null), // window open until 2026-07-30 → pending
      detection('5', '2026-05-01T00:00:00.000Z', '2026-05-20T00:00:00.000Z'), // churned within, already known → churned
      detection('6', '2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'), // churned at the window's last instant → churned
    ];
    // Decided 5: recovered 1, 3; churned 2, 5, 6 → 2 / 5 = 0.4.
    expect(recoveryRate(detections, 90, ASOF)).toEqual({ value: 0.4, n: 5, count: 2, churned: 3, pending: 1, windowDays: 90 });
  });

  it('follows the window length', () => {
    const detections = [
      detection('2', '2026-01-01T00:00:00.000Z', '2026-02-15T00:00:00.000Z'),
      detection('5', '2026-05-01T00:00:00.000Z', '2026-05-20T00:00:00.000Z'),
    ];
    // 2: churned 45 days after → outside 30 → recovered. 5: churned 19 days after → churned. 1 / 2 = 0.5.
    expect(recoveryRate(detections, 30, ASOF)).toMatchObject({ value: 0.5, n: 2, count: 1, churned: 1, pending: 0 });
  });

  it('is null with nothing decided', () => {
    expect(recoveryRate([], 90, ASOF)).toEqual({ value: null, n: 0, count: 0, churned: 0, pending: 0, windowDays: 90 });
    expect(recoveryRate([detection('4', '2026-05-01T00:00:00.000Z', null)], 90, ASOF).value).toBeNull();
  });

  it('rejects a window ≤ 0', () => {
    expect(() => recoveryRate([], 0, ASOF)).toThrow(RangeError);
  });
});
