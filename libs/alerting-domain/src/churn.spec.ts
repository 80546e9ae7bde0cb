import type { AlertState } from './alert-lifecycle';
import { isChurned, resolveForChurn } from './churn';
import { scoreChange } from './score-change.fixture';

const alert = (alertId: string, status: AlertState['status']): AlertState => ({
  alertId,
  accountId: 'acc-1',
  ruleId: `rule-${alertId}`,
  category: 'risk',
  severity: 'high',
  status,
  count: 1,
  openedAt: '2026-03-01T10:00:00.000Z',
  lastSeenAt: '2026-03-01T10:00:00.000Z',
  ...(status === 'snoozed' ? { snoozedUntil: '2026-03-09T00:00:00.000Z' } : {}),
  evidence: ['x'],
  revision: 2,
});

describe('churn', () => {
  it('reads churn from account.churnedAt, and a reactivated account (no churnedAt) as a customer', () => {
    expect(isChurned(scoreChange({ account: { csmId: 'c', churnedAt: '2026-03-01T00:00:00.000Z' } }))).toBe(true);
    expect(isChurned(scoreChange({ account: { csmId: 'c' } }))).toBe(false);
  });

  it('resolves every active alert with outcome churned, leaving resolved ones alone', () => {
    const now = '2026-03-02T10:00:00.000Z';
    const resolved = resolveForChurn([alert('a', 'open'), alert('b', 'snoozed'), alert('c', 'acknowledged'), alert('d', 'resolved')], now);
    expect(resolved.map((a) => [a.alertId, a.status, a.outcome, a.resolvedAt, a.snoozedUntil])).toEqual([
      ['a', 'resolved', 'churned', now, undefined],
      ['b', 'resolved', 'churned', now, undefined],
      ['c', 'resolved', 'churned', now, undefined],
    ]);
  });
});
