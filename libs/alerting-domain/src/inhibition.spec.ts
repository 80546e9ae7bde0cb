import type { AlertState } from './alert-lifecycle';
import { isInhibited, isSupportingOnly, joinsActiveIncident, resolveSupportingLeftAlone } from './inhibition';
import { defaultRuleSet, type RuleSet } from './rule-config';
import { ruleConfig } from './score-change.fixture';

type Peer = Pick<AlertState, 'category' | 'severity' | 'status'>;
const expansion = ruleConfig({ id: 'adoption_maturity', category: 'expansion', severity: 'medium' });
const risk = ruleConfig({ id: 'churn_risk_high', category: 'risk', severity: 'high' });
const red = ruleConfig({ id: 'health_entered_red', category: 'risk', severity: 'critical' });
const criticalRisk: Peer = { category: 'risk', severity: 'critical', status: 'open' };

describe('isInhibited', () => {
  it('holds expansion back while the account is at_risk', () => {
    expect(isInhibited(expansion, [], 'at_risk', defaultRuleSet)).toBe(true);
    expect(isInhibited(expansion, [], 'stable', defaultRuleSet)).toBe(false);
  });

  it('holds expansion back while any risk alert is open, acknowledged or snoozed', () => {
    for (const status of ['open', 'acknowledged', 'snoozed'] as const) {
      expect(isInhibited(expansion, [{ category: 'risk', severity: 'low', status }], 'loyal', defaultRuleSet)).toBe(true);
    }
    expect(isInhibited(expansion, [{ category: 'risk', severity: 'critical', status: 'resolved' }], 'loyal', defaultRuleSet)).toBe(false);
    expect(isInhibited(expansion, [{ category: 'expansion', severity: 'high', status: 'open' }], 'loyal', defaultRuleSet)).toBe(false);
  });

  it('never holds a risk alert back: with incidents it joins the active critical one as a listed rule (issue 15)', () => {
    expect(isInhibited(risk, [criticalRisk], 'at_risk', defaultRuleSet)).toBe(false);
    expect(isInhibited(risk, [{ ...criticalRisk, status: 'acknowledged' }], 'at_risk', defaultRuleSet)).toBe(false);
    expect(isInhibited(red, [criticalRisk], 'at_risk', defaultRuleSet)).toBe(false);
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
    expect(resolveSupportingLeftAlone([renewal, decay], '2026-03-10T00:00:00.000Z', defaultRuleSet)).toEqual([]);
    expect(resolveSupportingLeftAlone([decay], '2026-03-10T00:00:00.000Z', defaultRuleSet)).toEqual([
      expect.objectContaining({ alertId: 'al-engagement_decay', status: 'resolved', resolvedAt: '2026-03-10T00:00:00.000Z', revision: 2 }),
    ]);
    expect(resolveSupportingLeftAlone([decay, { ...renewal, status: 'resolved' }], '2026-03-10T00:00:00.000Z', defaultRuleSet)).toHaveLength(1);
  });

  it('says whether an alert joins an active incident of its category (no new queue item)', () => {
    expect(joinsActiveIncident('risk', [criticalRisk])).toBe(true);
    expect(joinsActiveIncident('risk', [{ ...criticalRisk, status: 'resolved' }])).toBe(false);
    expect(joinsActiveIncident('expansion', [criticalRisk])).toBe(false);
  });

  it('does not let a neglect alert (about the CSM, not the customer) hold back expansion on a green growing account', () => {
    const growth = ruleConfig({ id: 'business_growth', category: 'expansion', severity: 'medium' });
    const neglect = { ruleId: 'neglect', category: 'risk' as const, severity: 'medium' as const, status: 'open' as const };
    expect(isInhibited(growth, [neglect], 'stable', defaultRuleSet)).toBe(false);
    expect(isInhibited(growth, [neglect, { ...neglect, ruleId: 'activity_dropped' }], 'stable', defaultRuleSet)).toBe(true);
    expect(isInhibited(growth, [neglect], 'at_risk', defaultRuleSet)).toBe(true);
  });

  it('reads whom a rule concerns and whether it opens incidents from the rule set it is given, not the default', () => {
    const customised: RuleSet = {
      version: 'acme-1',
      rules: defaultRuleSet.rules.map((rule) => (rule.id === 'neglect' ? { ...rule, concerns: 'customer' } : rule.id === 'engagement_decay' ? { ...rule, opensIncident: true } : rule)),
    };
    const growth = ruleConfig({ id: 'business_growth', category: 'expansion', severity: 'medium' });
    const neglect = { ruleId: 'neglect', category: 'risk' as const, severity: 'medium' as const, status: 'open' as const };
    expect(isInhibited(growth, [neglect], 'stable', customised)).toBe(true);
    const decay: AlertState = {
      alertId: 'al-decay', accountId: 'acc', ruleId: 'engagement_decay', category: 'risk', severity: 'medium', status: 'open', count: 1,
      openedAt: '2026-03-01T00:00:00.000Z', lastSeenAt: '2026-03-01T00:00:00.000Z', evidence: ['x'], revision: 1,
    };
    expect(resolveSupportingLeftAlone([decay], '2026-03-10T00:00:00.000Z', customised)).toEqual([]);
  });
});
