import { alertIdFor, contactBudgetSince, decisionTimeOf, incidentIdFor, placeOpenedAlert, slaSecondsOf } from './alert-application';
import { priorityOf } from './priority';
import { ruleConfig } from './score-change.fixture';

describe('decisionTimeOf', () => {
  it('is the event time when the account saw nothing later', () => {
    expect(decisionTimeOf('2026-03-02T10:00:00.000Z', [{ lastSeenAt: '2026-03-01T10:00:00.000Z' }])).toBe('2026-03-02T10:00:00.000Z');
  });

  it('is the latest last-seen or resolved time when a late event is older', () => {
    const alerts = [{ lastSeenAt: '2026-03-03T10:00:00.000Z' }, { lastSeenAt: '2026-03-01T00:00:00.000Z', resolvedAt: '2026-03-04T08:00:00.000Z' }];
    expect(decisionTimeOf('2026-03-02T10:00:00.000Z', alerts)).toBe('2026-03-04T08:00:00.000Z');
  });

  it('is the event time for an account without alerts', () => {
    expect(decisionTimeOf('2026-03-02T10:00:00.000Z', [])).toBe('2026-03-02T10:00:00.000Z');
  });
});

describe('contactBudgetSince', () => {
  it('starts the window periodDays before now', () => {
    expect(contactBudgetSince('2026-03-08T10:00:00.000Z', 7)).toBe('2026-03-01T10:00:00.000Z');
  });

  it('throws RangeError on an unparseable now', () => {
    expect(() => contactBudgetSince('yesterday', 7)).toThrow(RangeError);
  });
});

describe('slaSecondsOf', () => {
  it('takes the rule’s own slaHours first', () => {
    expect(slaSecondsOf(ruleConfig({ severity: 'medium', params: { slaHours: 48 } }), 3600)).toBe(48 * 3600);
  });

  it('gives critical rules the critical SLA and others none', () => {
    expect(slaSecondsOf(ruleConfig({ severity: 'critical' }), 3600)).toBe(3600);
    expect(slaSecondsOf(ruleConfig({ severity: 'high' }), 3600)).toBeNull();
    expect(slaSecondsOf(ruleConfig({ severity: 'high', params: { slaHours: 0 } }), 3600)).toBeNull();
  });
});

describe('placeOpenedAlert', () => {
  const opening = { severity: 'critical' as const, openedAt: '2026-03-02T10:00:00.000Z' };

  it('prices, routes and dates an opening critical alert from its event time (event mode)', () => {
    expect(placeOpenedAlert(opening, ruleConfig(), { arrUsd: 24_000, queue: 'csm:csm-9', csmId: 'csm-9', criticalSlaSeconds: 4 * 3600, queuedAt: null })).toEqual({
      priority: priorityOf('critical', 24_000),
      queue: 'csm:csm-9',
      csmId: 'csm-9',
      slaDueAt: '2026-03-02T14:00:00.000Z',
    });
  });

  it('starts the SLA when the alert reached the queue if that is later (wall mode, late data)', () => {
    const placed = placeOpenedAlert(opening, ruleConfig(), { arrUsd: undefined, queue: 'team:smb', csmId: null, criticalSlaSeconds: 3600, queuedAt: '2026-03-05T00:00:00.000Z' });
    expect(placed.slaDueAt).toBe('2026-03-05T01:00:00.000Z');
  });

  it('gives no due time to a rule without SLA', () => {
    expect(placeOpenedAlert({ ...opening, severity: 'high' }, ruleConfig({ severity: 'high' }), { arrUsd: 1, queue: 'team:smb', csmId: null, criticalSlaSeconds: 3600, queuedAt: null }).slaDueAt).toBeNull();
  });
});

describe('deterministic ids', () => {
  it('proposes the same alert id for the same change and rule, another for another rule', () => {
    expect(alertIdFor('acc-1:7', 'health_entered_red')).toMatch(/^al_[0-9a-f]{24}$/);
    expect(alertIdFor('acc-1:7', 'health_entered_red')).toBe(alertIdFor('acc-1:7', 'health_entered_red'));
    expect(alertIdFor('acc-1:7', 'health_dropped')).not.toBe(alertIdFor('acc-1:7', 'health_entered_red'));
  });

  it('derives the incident id from the first active alert id in sort order, whatever the input order', () => {
    expect(incidentIdFor('acc-1', 'risk', ['al_b', 'al_a'])).toBe(incidentIdFor('acc-1', 'risk', ['al_a', 'al_b']));
    expect(incidentIdFor('acc-1', 'risk', ['al_a'])).toMatch(/^in_[0-9a-f]{24}$/);
    expect(incidentIdFor('acc-1', 'expansion', ['al_a'])).not.toBe(incidentIdFor('acc-1', 'risk', ['al_a']));
  });
});
