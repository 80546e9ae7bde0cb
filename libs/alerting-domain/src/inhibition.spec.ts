import type { AlertState } from './alert-lifecycle';
import { isInhibited, isSupportingOnly, joinsActiveIncident, resolveSupportingLeftAlone } from './inhibition';
import { ruleConfig } from './score-change.fixture';

type Peer = Pick<AlertState, 'category' | 'severity' | 'status'>;
const expansion = ruleConfig({ id: 'adoption_maturity', category: 'expansion', severity: 'medium' });
const risk = ruleConfig({ id: 'churn_risk_high', category: 'risk', severity: 'high' });
const red = ruleConfig({ id: 'health_entered_red', category: 'risk', severity: 'critical' });
const criticalRisk: Peer = { category: 'risk', severity: 'critical', status: 'open' };

describe('isInhibited', () => {
  it('holds expansion back while the account is at_risk', () => {
    expect(isInhibited(expansion, [], 'at_risk')).toBe(true);
    expect(isInhibited(expansion, [], 'stable')).toBe(false);
  });

  it('holds expansion back while any risk alert is open, acknowledged or snoozed', () => {
    for (const status of ['open', 'acknowledged', 'snoozed'] as const) {
      expect(isInhibited(expansion, [{ category: 'risk', severity: 'low', status }], 'loyal')).toBe(true);
    }
    expect(isInhibited(expansion, [{ category: 'risk', severity: 'critical', status: 'resolved' }], 'loyal')).toBe(false);
    expect(isInhibited(expansion, [{ category: 'expansion', severity: 'high', status: 'open' }], 'loyal')).toBe(false);
  });

  it('never holds a risk alert back: with incidents it joins the active critical one as a listed rule (issue 15)', () => {
    expect(isInhibited(risk, [criticalRisk], 'at_risk')).toBe(false);
    expect(isInhibited(risk, [{ ...criticalRisk, status: 'acknowledged' }], 'at_risk')).toBe(false);
    expect(isInhibited(red, [criticalRisk], 'at_risk')).toBe(false);
  });

  it('holds a supporting rule (engagement_decay) back unless an incident of its category is active to join', () => {
    const decay = ruleConfig({ id: 'engagement_decay', category: 'risk', severity: 'medium', opensIncident: false });
    expect(isSupportingOnly(decay, [])).toBe(true);
    expect(isSupportingOnly(decay, [{ ...criticalRisk, status: 'resolved' }])).toBe(true);
    expect(isSupportingOnly(decay, [criticalRisk])).toBe(false);
    expect(isSupportingOnly(risk, [])).toBe(false);
  });

  it('resolves supporting alerts left alone in their category, and only those (review of issue 15)', () => {
    const alertOf = (ruleId: string, overrides: Partial<AlertState> = {}): AlertState => ({
      alertId: `al-${ruleId}`, accountId: 'acc', ruleId, category: 'risk', severity: 'medium', status: 'open', count: 1,
      openedAt: '2026-03-01T00:00:00.000Z', lastSeenAt: '2026-03-01T00:00:00.000Z', evidence: ['x'], revision: 1, ...overrides,
    });
    const decay = alertOf('engagement_decay');
    const renewal = alertOf('renewal_at_risk', { severity: 'high' });
    expect(resolveSupportingLeftAlone([renewal, decay], '2026-03-10T00:00:00.000Z')).toEqual([]);
    expect(resolveSupportingLeftAlone([decay], '2026-03-10T00:00:00.000Z')).toEqual([
      expect.objectContaining({ alertId: 'al-engagement_decay', status: 'resolved', resolvedAt: '2026-03-10T00:00:00.000Z', revision: 2 }),
    ]);
    expect(resolveSupportingLeftAlone([decay, { ...renewal, status: 'resolved' }], '2026-03-10T00:00:00.000Z')).toHaveLength(1);
  });

  it('says whether an alert joins an active incident of its category (no new queue item)', () => {
    expect(joinsActiveIncident('risk', [criticalRisk])).toBe(true);
    expect(joinsActiveIncident('risk', [{ ...criticalRisk, status: 'resolved' }])).toBe(false);
    expect(joinsActiveIncident('expansion', [criticalRisk])).toBe(false);
  });

  it('does not let a neglect alert (about the CSM, not the customer) hold back expansion on a green growing account', () => {
    const growth = ruleConfig({ id: 'business_growth', category: 'expansion', severity: 'medium' });
    const neglect = { ruleId: 'neglect', category: 'risk' as const, severity: 'medium' as const, status: 'open' as const };
    expect(isInhibited(growth, [neglect], 'stable')).toBe(false);
    expect(isInhibited(growth, [neglect, { ...neglect, ruleId: 'activity_dropped' }], 'stable')).toBe(true);
    expect(isInhibited(growth, [neglect], 'at_risk')).toBe(true);
  });
});
