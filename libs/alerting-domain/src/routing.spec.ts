import { placeIncident, routeTo, type IncidentPlacement, type PlacedAlert } from './routing';

describe('routeTo', () => {
  it("routes to the owner CSM's queue", () => {
    expect(routeTo({ csmId: 'csm-9', arrUsd: 500_000, segment: 'at_risk' })).toEqual({ queue: 'csm:csm-9' });
  });

  it('routes unowned accounts to the team queue of their tier', () => {
    expect(routeTo({ arrUsd: 300_000, segment: 'stable' })).toEqual({ queue: 'team:enterprise' });
    expect(routeTo({ arrUsd: 50_000, segment: 'stable' })).toEqual({ queue: 'team:mid-market' });
    expect(routeTo({ arrUsd: 49_999, segment: 'loyal' })).toEqual({ queue: 'team:smb' });
    expect(routeTo({ segment: 'at_risk' })).toEqual({ queue: 'team:smb' });
  });

  it('treats a blank CSM id as unowned', () => {
    expect(routeTo({ csmId: '  ', arrUsd: 100_000, segment: 'stable' })).toEqual({ queue: 'team:mid-market' });
  });
});

describe('placeIncident', () => {
  const alert = (alertId: string, overrides: Partial<PlacedAlert> = {}): PlacedAlert => ({ alertId, priority: 10, openedAt: '2026-03-02T10:00:00.000Z', queue: 'csm:csm-1', csmId: 'csm-1', ...overrides });
  const stored: IncidentPlacement = { queue: 'csm:csm-1', csmId: 'csm-1', escalatedTo: null, priority: 10 };

  it('opens in the queue of its highest-priority alert, ties to the earlier opened, with the highest priority', () => {
    const active = [
      alert('al_b', { priority: 5, queue: 'csm:low', csmId: 'low', openedAt: '2026-03-04T00:00:00.000Z' }),
      alert('al_c', { priority: 20, queue: 'csm:later', csmId: 'later', openedAt: '2026-03-03T00:00:00.000Z' }),
      alert('al_a', { priority: 20, queue: 'csm:first', csmId: 'first', openedAt: '2026-03-02T00:00:00.000Z' }),
    ];
    expect(placeIncident(null, active, true)).toEqual({ queue: 'csm:first', csmId: 'first', escalatedTo: null, priority: 20 });
  });

  it('then follows its newest active alert (a reassigned account moves the incident to its new owner)', () => {
    const active = [alert('al_a', { priority: 30 }), alert('al_b', { priority: 5, queue: 'csm:csm-2', csmId: 'csm-2', openedAt: '2026-03-05T00:00:00.000Z' })];
    expect(placeIncident(stored, active, false)).toEqual({ queue: 'csm:csm-2', csmId: 'csm-2', escalatedTo: null, priority: 30 });
  });

  it('keeps its placement when no alert is active, and a team queue when it never had one', () => {
    expect(placeIncident({ ...stored, escalatedTo: 'manager:emea', priority: 7 }, [], false)).toEqual({ queue: 'csm:csm-1', csmId: 'csm-1', escalatedTo: 'manager:emea', priority: 7 });
    expect(placeIncident(null, [], false)).toEqual({ queue: 'team:unassigned', csmId: null, escalatedTo: null, priority: 0 });
  });

  it('escalates with one of its alerts and stays escalated; an opening incident starts unescalated unless an alert is', () => {
    expect(placeIncident(stored, [alert('al_a', { escalatedTo: 'manager:emea' })], false).escalatedTo).toBe('manager:emea');
    expect(placeIncident({ ...stored, escalatedTo: 'manager:apac' }, [alert('al_a', { escalatedTo: 'manager:emea' })], false).escalatedTo).toBe('manager:apac');
    expect(placeIncident({ ...stored, escalatedTo: 'manager:apac' }, [alert('al_a')], true).escalatedTo).toBeNull();
  });
});
