import type { TelemetryEvent } from '@bellwether/contracts';
import { rescoreAccount, scoreAccountBatch } from './account-scoring';
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
});
