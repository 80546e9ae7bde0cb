import { foldIncident, incidentStatusOf, type FoldContext, type IncidentMember, type IncidentState } from './incident';

const ctx = (overrides: Partial<FoldContext> = {}): FoldContext => ({ now: '2026-03-02T10:00:00.000Z', accountId: 'acc-1', category: 'risk', newIncidentId: 'in-1', ...overrides });
const member = (ruleId: string, overrides: Partial<IncidentMember> = {}): IncidentMember => ({
  alertId: `al-${ruleId}`,
  ruleId,
  severity: 'medium',
  status: 'open',
  evidence: [`${ruleId} fired`],
  ...overrides,
});
const opened = (members: IncidentMember[]): IncidentState => {
  const decision = foldIncident(null, members, ctx());
  if (decision.kind !== 'open') throw new Error(`expected open, got ${decision.kind}`);
  return decision.incident;
};

describe('foldIncident', () => {
  it('opens one incident for the first alert of the group, listing every firing rule with its evidence', () => {
    expect(foldIncident(null, [member('activity_dropped', { severity: 'high' }), member('neglect')], ctx())).toEqual({
      kind: 'open',
      incident: {
        incidentId: 'in-1',
        accountId: 'acc-1',
        category: 'risk',
        severity: 'high',
        status: 'open',
        openedAt: '2026-03-02T10:00:00.000Z',
        lastSeenAt: '2026-03-02T10:00:00.000Z',
        ruleIds: ['activity_dropped', 'neglect'],
        rules: [
          { rule: 'activity_dropped', alertId: 'al-activity_dropped', severity: 'high', status: 'open', evidence: ['activity_dropped fired'] },
          { rule: 'neglect', alertId: 'al-neglect', severity: 'medium', status: 'open', evidence: ['neglect fired'] },
        ],
        revision: 1,
      },
    });
  });

  it('opens nothing without an active alert', () => {
    expect(foldIncident(null, [member('neglect', { status: 'resolved' })], ctx())).toEqual({ kind: 'none', incident: null });
  });

  it('folds a silent account’s many rules into the one incident: a second rule updates it, never opens another', () => {
    const incident = opened([member('activity_dropped')]);
    const decision = foldIncident(incident, [member('activity_dropped'), member('active_users_dropped', { severity: 'high' })], ctx({ now: '2026-03-03T10:00:00.000Z', newIncidentId: 'in-2' }));
    expect(decision.kind).toBe('update');
    expect(decision.incident).toMatchObject({ incidentId: 'in-1', severity: 'high', ruleIds: ['activity_dropped', 'active_users_dropped'], revision: 2, lastSeenAt: '2026-03-03T10:00:00.000Z' });
  });

  it('lets severity rise and fall with its active alerts, and keeps every rule that fired into it', () => {
    const incident = opened([member('churn_risk_high', { severity: 'high' }), member('health_entered_red', { severity: 'critical' })]);
    expect(incident.severity).toBe('critical');
    const fell = foldIncident(incident, [member('churn_risk_high', { severity: 'high' }), member('health_entered_red', { severity: 'critical', status: 'resolved' })], ctx());
    expect(fell).toMatchObject({ kind: 'update', incident: { severity: 'high', status: 'open', ruleIds: ['churn_risk_high', 'health_entered_red'] } });
    expect(fell.incident?.rules.map((rule) => [rule.rule, rule.status])).toEqual([
      ['churn_risk_high', 'open'],
      ['health_entered_red', 'resolved'],
    ]);
  });

  it('resolves when its last active alert resolves, with the outcome they share (churned)', () => {
    const incident = opened([member('a'), member('b')]);
    const decision = foldIncident(incident, [member('a', { status: 'resolved', outcome: 'churned' }), member('b', { status: 'resolved', outcome: 'churned' })], ctx({ now: '2026-03-04T00:00:00.000Z' }));
    expect(decision).toMatchObject({ kind: 'resolve', incident: { status: 'resolved', resolvedAt: '2026-03-04T00:00:00.000Z', outcome: 'churned', revision: 2 } });
    const mixed = foldIncident(incident, [member('a', { status: 'resolved', outcome: 'saved' }), member('b', { status: 'resolved' })], ctx());
    expect(mixed.incident?.outcome).toBeUndefined();
  });

  it('records a person’s outcome on a resolved incident that has none', () => {
    const incident = opened([member('a')]);
    const resolved = foldIncident(incident, [member('a', { status: 'resolved' })], ctx());
    const decision = foldIncident(resolved.incident, [member('a', { status: 'resolved', outcome: 'saved' })], ctx({ outcome: 'saved' }));
    expect(decision).toMatchObject({ kind: 'resolve', incident: { outcome: 'saved', revision: 3 } });
  });

  it('opens a new incident after the previous one resolved', () => {
    const incident = opened([member('a')]);
    const resolved = foldIncident(incident, [member('a', { status: 'resolved' })], ctx()).incident;
    expect(foldIncident(resolved, [member('c', { alertId: 'al-c2' })], ctx({ newIncidentId: 'in-2' }))).toMatchObject({ kind: 'open', incident: { incidentId: 'in-2', ruleIds: ['c'] } });
  });

  it('emits nothing when only evidence or last-seen moved, but refreshes them for storage', () => {
    const incident = opened([member('a')]);
    const decision = foldIncident(incident, [member('a', { evidence: ['newer'] })], ctx({ now: '2026-03-05T00:00:00.000Z' }));
    expect(decision).toMatchObject({ kind: 'none', incident: { revision: 1, lastSeenAt: '2026-03-05T00:00:00.000Z', rules: [{ evidence: ['newer'] }] } });
  });
});

describe('incidentStatusOf', () => {
  it('is open if any active alert is open, else acknowledged, else snoozed', () => {
    expect(incidentStatusOf([{ status: 'snoozed' }, { status: 'open' }, { status: 'acknowledged' }])).toBe('open');
    expect(incidentStatusOf([{ status: 'snoozed' }, { status: 'acknowledged' }])).toBe('acknowledged');
    expect(incidentStatusOf([{ status: 'snoozed' }])).toBe('snoozed');
    expect(incidentStatusOf([])).toBe('resolved');
  });
});
