import { telemetryEvent } from '@bellwether/testing';
import type { TelemetryEvent } from '@bellwether/contracts';
import { applyAccountEvents, closeAccountsDays, rescoreAccounts } from './account-scoring';
import { applyEventBatch, claimedAccountIds, firstCopies, newestEventTime } from './event-batch';
import { defaultScorecard } from './scorecard';
import { ScorecardTimeline } from './scorecard-timeline';
import { eventTimeOf } from './time';

const event = (id: string, accountId: string, type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}): TelemetryEvent => telemetryEvent({ id, accountId, type, timestamp, properties });
const day = (n: number, hour = 10) => new Date(Date.UTC(2026, 2, 1) + n * 86_400_000 + hour * 3_600_000).toISOString();
const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };
const ids = (events: readonly TelemetryEvent[]) => events.map((e) => e.id);

describe('firstCopies and claimedAccountIds', () => {
  const batch = [event('a1', 'acme', 'session.started', day(0)), event('b1', 'bolt', 'session.started', day(0)), event('a1', 'acme', 'session.started', day(0)), event('a2', 'acme', 'nps.responded', day(1), { score: 9 })];

  it('keeps the first copy of each id, in batch order', () => {
    expect(ids(firstCopies(batch))).toEqual(['a1', 'b1', 'a2']);
  });

  it('names each account with a claimed event once, in order of its first claimed event', () => {
    expect(claimedAccountIds(batch, new Set(['b1', 'a2']))).toEqual(['bolt', 'acme']);
    expect(claimedAccountIds(batch, new Set())).toEqual([]);
  });
});

describe('applyEventBatch', () => {
  it('applies only the first copy of each claimed id and counts every other copy as a redelivery', () => {
    const batch = [
      event('a1', 'acme', 'feature.used', day(0), { feature: 'reports' }),
      event('a1', 'acme', 'feature.used', day(0), { feature: 'reports' }), // again within the batch
      event('old', 'acme', 'feature.used', day(0), { feature: 'reports' }), // claimed by an earlier batch
      event('b1', 'bolt', 'nps.responded', day(0), { score: 3 }),
      event('a2', 'acme', 'nps.responded', day(1), { score: 9 }),
    ];
    const outcome = applyEventBatch(batch, new Set(['a1', 'b1', 'a2']), new Map(), defaultScorecard, options);
    expect(outcome.fresh).toBe(3);
    expect(outcome.redelivered).toBe(2);
    expect([...outcome.accounts.keys()]).toEqual(['acme', 'bolt']);
    // Each account as applyAccountEvents gives it for its claimed events alone, in batch order.
    const acme = applyAccountEvents('acme', null, [batch[0], batch[4]], defaultScorecard, options);
    const bolt = applyAccountEvents('bolt', null, [batch[3]], defaultScorecard, options);
    expect(outcome.accounts.get('acme')).toEqual(acme.stored);
    expect(outcome.changes).toEqual([...acme.changes, ...bolt.changes]);
    expect(outcome.dropped).toEqual([]);
  });

  it('applies nothing when every id was claimed before, yet names every account and the newest event time', () => {
    const batch = [event('a1', 'acme', 'session.started', '2026-03-02T12:00:00+02:00'), event('b1', 'bolt', 'session.started', day(0))];
    const outcome = applyEventBatch(batch, new Set(), new Map(), defaultScorecard, options);
    expect(outcome).toMatchObject({ fresh: 0, redelivered: 2, late: 0, changes: [], dropped: [] });
    expect(outcome.accounts.size).toBe(0);
    expect(outcome.accountIds).toEqual(['acme', 'bolt']);
    expect(outcome.newestEventTime).toBe('2026-03-02T10:00:00.000Z');
  });

  it('drops an event beyond the allowed lateness with its batch position and reason, and counts a late one', () => {
    const current = applyAccountEvents('acme', null, [event('now', 'acme', 'session.started', day(60))], defaultScorecard, options).stored;
    const before = structuredClone(current);
    const batch = [
      event('dup', 'acme', 'session.started', day(60, 11)),
      event('late', 'acme', 'nps.responded', day(50), { score: 2 }),
      event('ancient', 'acme', 'nps.responded', day(20), { score: 2 }),
    ];
    const outcome = applyEventBatch(batch, new Set(['late', 'ancient']), new Map([['acme', current]]), defaultScorecard, options);
    expect(outcome.late).toBe(1);
    expect(outcome.fresh).toBe(2);
    expect(outcome.dropped).toEqual([
      {
        index: 2,
        eventId: 'ancient',
        reason: `event time ${day(20)} is more than 30 days behind the account's newest event: outside every scoring window`,
      },
    ]);
    // The late event is re-scored as of its own time; the stored account given is not changed.
    expect(outcome.changes.at(-1)?.eventTime).toBe(day(50));
    expect(current).toEqual(before);
  });
});

describe('event time', () => {
  it('is normalised once, to the canonical UTC instant, and the newest counts', () => {
    expect(eventTimeOf({ timestamp: '2026-03-01T12:30:00+02:00' })).toBe('2026-03-01T10:30:00.000Z');
    expect(() => eventTimeOf({ timestamp: 'not a time' })).toThrow(RangeError);
    expect(newestEventTime([])).toBeNull();
    expect(newestEventTime([event('x', 'a', 't', '2026-03-01T10:00:00Z'), event('y', 'a', 't', '2026-03-01T11:00:00+02:00')])).toBe('2026-03-01T10:00:00.000Z');
  });
});

describe('applyEventBatch with consumesPrevious', () => {
  it('gives the same outcome whether the stored accounts are handed over (updated in place) or copied (left unchanged)', () => {
    const history = [event('h1', 'acme', 'subscription.changed', day(0), { seats: 5, mrr: 500 }), ...[0, 1, 2, 3].map((d) => event(`h-${d}`, 'acme', 'feature.used', day(d), { feature: 'reports' }))];
    const stored = () => new Map([['acme', applyAccountEvents('acme', null, history, defaultScorecard, options).stored]]);
    const batch = [event('n1', 'acme', 'feature.used', day(5), { feature: 'dashboards' }), event('n2', 'acme', 'nps.responded', day(6), { score: 2 }), event('n3', 'bolt', 'session.started', day(6))];
    const claimed = new Set(ids(batch));
    const kept = stored();
    const keptBefore = JSON.stringify([...kept]);
    const copied = applyEventBatch(batch, claimed, kept, defaultScorecard, options);
    const handedOver = stored();
    const consumed = applyEventBatch(batch, claimed, handedOver, defaultScorecard, { ...options, consumesPrevious: true });
    expect(consumed).toEqual(copied);
    expect(copied.changes.length).toBeGreaterThan(0);
    expect(JSON.stringify([...kept])).toBe(keptBefore);
    // Handed over, the state object itself is the one stored.
    expect(consumed.accounts.get('acme')?.state).toBe(handedOver.get('acme')?.state);
  });
});

describe('closeAccountsDays with consumesPrevious', () => {
  it('gives the same closes whether the stored accounts are handed over (closed in place) or copied (left unchanged)', () => {
    const history = [event('h1', 'acme', 'subscription.changed', day(0), { seats: 5, mrr: 500 }), ...[0, 1, 2, 3].map((d) => event(`h-${d}`, 'acme', 'feature.used', day(d), { feature: 'reports' }))];
    const stored = () => new Map([['acme', applyAccountEvents('acme', null, history, defaultScorecard, options).stored]]);
    // Forty silent days after the history: closes to evaluate, and a state to change in place.
    const through = new Date(Date.UTC(2026, 2, 1) + 44 * 86_400_000).toISOString();
    const kept = stored();
    const keptBefore = JSON.stringify([...kept]);
    const copied = closeAccountsDays(kept, through, defaultScorecard);
    const handedOver = stored();
    const consumed = closeAccountsDays(handedOver, through, defaultScorecard, { consumesPrevious: true });
    expect(consumed).toEqual(copied);
    expect(copied.changes.length).toBeGreaterThan(0);
    expect(JSON.stringify([...kept])).toBe(keptBefore);
    expect(consumed.accounts.get('acme')?.state).toBe(handedOver.get('acme')?.state);
  });
});

describe('applyEventBatch with a scorecard timeline (issue 18 §1)', () => {
  it('evaluates each point with the scorecard in force at its event time', () => {
    const v2 = { ...defaultScorecard, version: 'cs-v2', weights: { ...defaultScorecard.weights, sentiment: 100 } };
    const timeline = ScorecardTimeline.of(defaultScorecard, [{ effectiveFrom: day(3, 0), activatedAt: day(5, 0), scorecard: v2 }]);
    const batch = [
      event('s1', 'acme', 'subscription.changed', day(0), { seats: 10, mrr: 1000 }),
      event('n1', 'acme', 'nps.responded', day(1), { score: 2 }),
      event('n2', 'acme', 'nps.responded', day(4), { score: 2 }),
    ];
    const outcome = applyEventBatch(batch, new Set(ids(batch)), new Map(), timeline, options);
    const byCause = outcome.changes.map((change) => [change.cause.kind === 'event' ? change.cause.eventId : 'close', change.scorecardVersion]);
    expect(byCause.find(([cause]) => cause === 'n1')?.[1]).toBe(defaultScorecard.version);
    expect(byCause.find(([cause]) => cause === 'n2')?.[1]).toBe('cs-v2');
    // The same batch with the one scorecard of before: nothing carries the new version.
    const before = applyEventBatch(batch, new Set(ids(batch)), new Map(), defaultScorecard, options);
    expect(before.changes.every((change) => change.scorecardVersion === defaultScorecard.version)).toBe(true);
  });
});

describe('rescoreAccounts (issue 18 §1)', () => {
  const batch = [event('s1', 'acme', 'subscription.changed', day(0), { seats: 10, mrr: 1000 }), event('n1', 'acme', 'nps.responded', day(1), { score: 2 })];
  const scored = applyEventBatch(batch, new Set(ids(batch)), new Map(), defaultScorecard, options).accounts;

  it('re-scores a scored account with the given scorecard, as of its own later evaluation, with cause rescore', () => {
    const v2 = { ...defaultScorecard, version: 'cs-v2', weights: { product_usage: 0, feature_adoption: 0, support: 0, sentiment: 1, billing: 0, onboarding: 0, usage_level: 0, champion: 0 } };
    const outcome = rescoreAccounts(scored, day(0), v2);
    expect(outcome.changes.map((change) => [change.accountId, change.cause.kind, change.scorecardVersion, change.after.health, change.eventTime])).toEqual([['acme', 'rescore', 'cs-v2', 20, day(1)]]);
    expect(outcome.accounts.get('acme')?.sequence).toBe((scored.get('acme')?.sequence ?? 0) + 1);
    // The accounts given are left as they were.
    expect(scored.get('acme')?.snapshot?.health).not.toBe(20);
  });

  it('publishes nothing when the scorecard scores the account as before, and leaves an unscored account alone', () => {
    expect(rescoreAccounts(scored, day(1), defaultScorecard).changes).toEqual([]);
    const unscored = applyEventBatch([event('s2', 'bolt', 'subscription.changed', day(0), { seats: 1 })], new Set(['s2']), new Map(), defaultScorecard, options).accounts;
    const outcome = rescoreAccounts(unscored, day(1), defaultScorecard);
    expect([outcome.changes, outcome.accounts.get('bolt')]).toEqual([[], unscored.get('bolt')]);
  });
});
