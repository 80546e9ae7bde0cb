import { scoreChanged, scoreSnapshot } from '@bellwether/testing';
import type { StoredIncident } from '../incidents/incident.repository';
import { AccountWorkingSet } from './account-working-set';

const incident = (incidentId: string, openedAt: string, status: StoredIncident['status'] = 'open'): StoredIncident => ({
  incidentId,
  accountId: 'acc-1',
  category: 'risk',
  severity: 'high',
  status,
  priority: 8,
  queue: 'csm:csm-9',
  csmId: 'csm-9',
  escalatedTo: null,
  openedAt,
  lastSeenAt: openedAt,
  ruleIds: ['health_entered_red'],
  rules: [],
  revision: 1,
});

const empty = () =>
  new AccountWorkingSet({ pointsSince: new Map([['acc-1', '2026-01-01T00:00:00.000Z']]), alerts: [], incidents: [incident('in_old', '2026-02-20T00:00:00.000Z', 'resolved')], holds: new Map(), points: [] });

describe('AccountWorkingSet', () => {
  it('counts the incidents a batch opened earlier in the contact budget of a later change, with the stored ones', () => {
    const set = empty();
    expect(set.openedSince('acc-1', '2026-02-19T00:00:00.000Z')).toBe(1);
    set.saveIncident(incident('in_new', '2026-03-02T10:00:00Z'), []);
    expect(set.openedSince('acc-1', '2026-02-19T00:00:00.000Z')).toBe(2);
    expect(set.openedSince('acc-1', '2026-02-25T00:00:00.000Z')).toBe(1);
    expect(set.activeIncident('acc-1', 'risk')).toMatchObject({ incidentId: 'in_new', openedAt: '2026-03-02T10:00:00.000Z' });
    expect(set.writes()).toMatchObject({ existingIncidents: [], otherIncidents: [expect.objectContaining({ incidentId: 'in_new' })] });
  });

  it('answers a change’s history with the points the batch recorded before it, and forgets those older than 30 days before the latest', () => {
    const set = empty();
    set.recordScore(scoreChanged({ eventTime: '2026-01-05T00:00:00.000Z', after: scoreSnapshot({ health: 80 }) }));
    set.recordScore(scoreChanged({ eventTime: '2026-03-01T00:00:00.000Z', after: scoreSnapshot({ health: 60 }) }));
    set.recordScore(scoreChanged({ eventTime: '2026-02-20T00:00:00.000Z', after: scoreSnapshot({ health: 50 }) }));
    set.recordScore(scoreChanged({ eventTime: '2026-02-21T00:00:00.000Z', after: scoreSnapshot({ health: 40, insufficientData: true }) }));
    expect(set.recentScores('acc-1', '2026-03-01T00:00:00.000Z')).toEqual([
      { eventTime: '2026-02-20T00:00:00.000Z', health: 50 },
      { eventTime: '2026-03-01T00:00:00.000Z', health: 60 },
    ]);
    expect(set.writes().scorePoints).toEqual({
      upserts: [expect.objectContaining({ eventTime: '2026-03-01T00:00:00.000Z' }), expect.objectContaining({ eventTime: '2026-02-20T00:00:00.000Z' })],
      deletes: [],
      deleteBefore: [{ accountId: 'acc-1', before: '2026-01-01T00:00:00.000Z' }],
    });
  });
});
