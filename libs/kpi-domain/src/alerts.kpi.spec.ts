import { type AlertRecord } from './kpi.types';
import { alertVolumeByRule, minutesToAcknowledge, timeToAcknowledge } from './alerts.kpi';

const T0 = '2026-03-02T09:00:00.000Z';
const plus = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const alert = (alertId: string, fields: Partial<AlertRecord>): AlertRecord => ({
  alertId,
  rule: 'health_entered_red',
  category: 'risk',
  openedAt: T0,
  acknowledgedAt: null,
  resolvedAt: null,
  outcome: null,
  segment: 'at_risk',
  ...fields,
});

const alerts: AlertRecord[] = [
  alert('a1', { acknowledgedAt: plus(10) }),
  alert('a2', { acknowledgedAt: plus(30), resolvedAt: plus(300), outcome: 'saved' }),
  alert('a3', { resolvedAt: plus(60), outcome: 'churned' }), // resolved without an explicit ack: 60 min
  alert('a4', { rule: 'seats_near_limit', category: 'expansion', segment: 'loyal', acknowledgedAt: plus(5), resolvedAt: plus(90), outcome: 'expanded' }),
  alert('a5', { rule: 'seats_near_limit', category: 'expansion', segment: 'loyal' }), // still open
];

describe('timeToAcknowledge', () => {
  it('gives the median and p90 in minutes', () => {
    // Minutes [10, 30, 60, 5] → sorted [5, 10, 30, 60], n − 1 = 3.
    // Median: h = 1.5 → 10 + 0.5 × (30 − 10) = 20. p90: h = 2.7 → 30 + 0.7 × (60 − 30) = 51.
    const result = timeToAcknowledge(alerts);
    expect(result).toMatchObject({ medianMinutes: 20, n: 4, unacknowledged: 1 });
    expect(result.p90Minutes).toBeCloseTo(51, 9);
  });

  it('is null for no acknowledged alerts', () => {
    expect(timeToAcknowledge([])).toEqual({ medianMinutes: null, p90Minutes: null, n: 0, unacknowledged: 0 });
    expect(timeToAcknowledge([alerts[4]])).toEqual({ medianMinutes: null, p90Minutes: null, n: 0, unacknowledged: 1 });
  });

  it('counts an acknowledgement stamped before the opening as 0', () => {
    expect(minutesToAcknowledge(alert('skew', { acknowledgedAt: plus(-1) }))).toBe(0);
  });
});

describe('alertVolumeByRule', () => {
  it('counts alerts, outcomes and time to acknowledge per rule', () => {
    const [red, seats] = alertVolumeByRule(alerts);
    // health_entered_red: a1, a2, a3 → minutes [10, 30, 60]: median h = 1 → 30; p90 h = 1.8 → 30 + 0.8 × 30 = 54.
    expect(red).toMatchObject({ rule: 'health_entered_red', category: 'risk', n: 3, resolved: 2, outcomes: { saved: 1, churned: 1, expanded: 0, not_actionable: 0 } });
    expect(red.timeToAcknowledge.medianMinutes).toBe(30);
    expect(red.timeToAcknowledge.p90Minutes).toBeCloseTo(54, 9);
    // seats_near_limit: a4 (5 min), a5 open.
    expect(seats).toMatchObject({ rule: 'seats_near_limit', category: 'expansion', n: 2, resolved: 1, outcomes: { expanded: 1 } });
    expect(seats.timeToAcknowledge).toEqual({ medianMinutes: 5, p90Minutes: 5, n: 1, unacknowledged: 1 });
    expect(alertVolumeByRule([])).toEqual([]);
  });
});
