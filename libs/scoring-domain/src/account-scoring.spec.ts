import { validateScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { rescoreAccount, scoreAccountBatch, type StoredAccount } from './account-scoring';
import type { AccountState } from './account-state';
import { defaultScorecard } from './scorecard';

const event = (id: string, type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}): TelemetryEvent => ({
  schemaVersion: 1,
  id,
  type,
  accountId: 'acme',
  userId: 'u1',
  timestamp,
  receivedAt: timestamp,
  source: 'native',
  properties,
});

describe('scoreAccountBatch', () => {
  it('publishes a first score with sequence 1 and a change id built from it', () => {
    const { change, stored } = scoreAccountBatch('acme', null, [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })], defaultScorecard);
    expect(change).toMatchObject({ accountId: 'acme', changeId: 'acme:1', sequence: 1, before: null, cause: { kind: 'event', eventId: 'e1' } });
    expect(stored.sequence).toBe(1);
    expect(change?.drivers).toHaveLength(6);
  });

  it('does not publish when nothing moved, and keeps the sequence', () => {
    const first = scoreAccountBatch('acme', null, [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })], defaultScorecard);
    const second = scoreAccountBatch('acme', first.stored, [event('e2', 'feature.used', '2026-03-01T11:00:00Z', { feature: 'reports' })], defaultScorecard);
    expect(second.change).toBeNull();
    expect(second.stored.sequence).toBe(1);
    expect(second.stored.state.eventsApplied).toBe(2);
  });

  it('publishes a move of the signals alert rules read, even when the score stays put', () => {
    const first = scoreAccountBatch('acme', null, [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })], defaultScorecard);
    const view = (id: string, hour: number) => event(id, 'page.viewed', `2026-03-01T${hour}:00:00Z`, { path: '/pricing' });
    const second = scoreAccountBatch('acme', first.stored, [view('p1', 11)], defaultScorecard);
    expect(second.change?.signals?.pricingViews7).toBe(1);
    expect(second.change?.after).toEqual(first.change?.after);
  });

  it('does not mutate the previous state', () => {
    const first = scoreAccountBatch('acme', null, [event('e1', 'session.started', '2026-03-01T10:00:00Z')], defaultScorecard);
    scoreAccountBatch('acme', first.stored, [event('e2', 'nps.responded', '2026-03-02T10:00:00Z', { score: 2 })], defaultScorecard);
    expect(first.stored.state.nps).toBeNull();
  });

  it('re-scoring as of a later day publishes the decay of a silent account, with a watermark cause', () => {
    const busy = [...Array(20).keys()].map((n) => event(`e${n}`, 'feature.used', `2026-03-${String(n + 1).padStart(2, '0')}T10:00:00Z`, { feature: 'reports' }));
    const first = scoreAccountBatch('acme', null, busy, defaultScorecard);
    const later = rescoreAccount('acme', first.stored, '2026-04-15T00:00:00.000Z', defaultScorecard);
    expect(later.change?.cause).toEqual({ kind: 'watermark' });
    expect(later.change?.after.health).toBeLessThan(first.change?.after.health ?? 0);
    expect(later.stored.evaluatedAsOf).toBe('2026-04-15T00:00:00.000Z');
    expect(rescoreAccount('acme', later.stored, '2026-04-10T00:00:00.000Z', defaultScorecard).change).toBeNull();
  });

  it('an account whose events arrive after a day-roll is scored as of the watermark day, as the roll would have', () => {
    const events = [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })];
    const arrivedLate = scoreAccountBatch('acme', null, events, defaultScorecard, '2026-04-20T00:00:00.000Z');
    const first = scoreAccountBatch('acme', null, events, defaultScorecard);
    const rolled = rescoreAccount('acme', first.stored, '2026-04-20T00:00:00.000Z', defaultScorecard);
    expect(arrivedLate.change?.eventTime).toBe('2026-04-20T00:00:00.000Z');
    expect(arrivedLate.stored.snapshot).toEqual(rolled.stored.snapshot);
  });

  it('a late event does not move the evaluation time backwards', () => {
    const first = scoreAccountBatch('acme', null, [event('e1', 'session.started', '2026-03-10T10:00:00Z')], defaultScorecard);
    const late = scoreAccountBatch('acme', first.stored, [event('e0', 'nps.responded', '2026-03-01T10:00:00Z', { score: 1 })], defaultScorecard);
    expect(late.change?.eventTime.startsWith('2026-03-10')).toBe(true);
    expect(late.change?.after.segment).toBe('at_risk');
  });

  it('publishes the signals behind the scores with every change, valid against the contract', () => {
    const events = [
      event('s1', 'subscription.changed', '2026-03-01T09:00:00Z', { plan: 'pro', seats: 10, mrr: 5000, renewalDate: '2026-05-20' }),
      event('e1', 'feature.gated', '2026-03-02T10:00:00Z', { feature: 'sso' }),
      event('e2', 'page.viewed', '2026-03-02T10:05:00Z', { path: '/pricing' }),
      event('e3', 'nps.responded', '2026-03-02T11:00:00Z', { score: 3, comment: 'too slow' }),
    ];
    const { change } = scoreAccountBatch('acme', null, events, defaultScorecard);
    expect(change?.signals).toMatchObject({
      gatedAttempts14: 1,
      gatedFeatures14: ['sso'],
      pricingViews7: 1,
      nps: { score: 3, category: 'detractor', at: '2026-03-02T11:00:00.000Z', comment: 'too slow' },
      contract: { renewalDate: '2026-05-20', renewalInDays: 79, mrr: 5000, arrUsd: 60_000, seats: 10, plan: 'pro' },
    });
    expect(validateScoreChanged(change)).toEqual({ ok: true, value: change });
  });

  it('publishes signals on a watermark re-score too', () => {
    const first = scoreAccountBatch('acme', null, [event('e1', 'feature.gated', '2026-03-01T10:00:00Z', { feature: 'sso' })], defaultScorecard);
    const later = rescoreAccount('acme', first.stored, '2026-03-20T00:00:00.000Z', defaultScorecard);
    expect(later.change?.signals?.gatedAttempts14).toBe(0);
    expect(later.change?.signals?.activity.last30).toBe(1);
  });

  it('scores a state stored before the signal fields existed', () => {
    const first = scoreAccountBatch('acme', null, [event('e1', 'session.started', '2026-03-01T10:00:00Z')], defaultScorecard);
    const legacy = JSON.parse(JSON.stringify(first.stored.state)) as Record<string, unknown>;
    for (const field of ['gatedByDay', 'pricingViewsByDay', 'usageLatest', 'ticketTopics', 'userPeriods', 'lastTouchpointDay', 'signalsTrackedSinceDay', 'prunedBeforeDay']) delete legacy[field];
    const stored: StoredAccount = { ...first.stored, state: legacy as unknown as AccountState };
    const rescored = rescoreAccount('acme', stored, '2026-04-20T00:00:00.000Z', defaultScorecard);
    expect(rescored.change?.signals?.csm).toEqual({ daysSinceTouchpoint: 50, lastTouchpointAt: null });
    expect(validateScoreChanged(rescored.change).ok).toBe(true);
    const next = scoreAccountBatch('acme', stored, [event('e2', 'feature.gated', '2026-04-21T10:00:00Z', { feature: 'sso' })], defaultScorecard);
    expect(next.stored.state.gatedByDay).toEqual({ [String(Date.UTC(2026, 3, 21) / 86_400_000)]: 1 });
    expect(next.stored.state.signalsTrackedSinceDay).toBe(Date.UTC(2026, 2, 1) / 86_400_000);
    expect(legacy['gatedByDay']).toBeUndefined();
  });

  it('publishes valid signals whatever odd values the events carry', () => {
    const odd = [
      event('o1', 'subscription.changed', '2026-03-01T00:00:00Z', { mrr: 1e308, seats: 0, limits: { m: 1e-300 }, renewalDate: '1969-12-31', startDate: '2099-01-01' }),
      event('o2', 'usage.reported', '2026-03-01T01:00:00Z', { metric: 'm', value: 1e308 }),
      event('o3', 'usage.reported', '2026-03-01T02:00:00Z', { metric: 'x'.repeat(500), value: -5, limit: 10 }),
      event('o4', 'support.ticket_opened', '2026-03-01T03:00:00Z', { topic: 'İ'.repeat(300), severity: 7 }),
      event('o5', 'nps.responded', '2026-03-01T04:00:00Z', { score: 10, comment: '😀'.repeat(1500) }),
      event('o6', 'feature.gated', '2026-03-01T05:00:00Z', { feature: '   ' }),
      event('o7', 'page.viewed', '2026-03-01T06:00:00Z', { path: 'http://[bad' }),
    ];
    const { change } = scoreAccountBatch('acme', null, odd, defaultScorecard);
    expect(validateScoreChanged(change)).toMatchObject({ ok: true });
    expect(change?.signals?.contract).toMatchObject({ arrUsd: null, renewalDate: '1969-12-31', renewalInDays: -20_514 });
  });
});

