import { validateScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { applyAccountEvents, closeAccountDays, closeAccountsDays, type StoredAccount } from './account-scoring';
import type { AccountState } from './account-state';
import { defaultScorecard } from './scorecard';
import { dayOf } from './time';
import { closableBoundary } from './watermark';

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

const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };
const apply = (previous: StoredAccount | null, events: TelemetryEvent[]) => applyAccountEvents('acme', previous, events, defaultScorecard, options);
/** The last published change of a batch (or undefined). */
const lastChange = (result: ReturnType<typeof apply>) => result.changes[result.changes.length - 1];
const daily = (from: number, days: number, prefix = 'e') =>
  [...Array(days).keys()].map((n) => event(`${prefix}${n}`, 'feature.used', new Date(Date.UTC(2026, 2, from + n, 10)).toISOString(), { feature: 'reports' }));

describe('applyAccountEvents', () => {
  it('publishes a first score with sequence 1 and a change id built from it', () => {
    const { changes, stored } = apply(null, [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ accountId: 'acme', changeId: 'acme:1', sequence: 1, before: null, cause: { kind: 'event', eventId: 'e1' }, eventTime: '2026-03-01T10:00:00.000Z' });
    expect(stored.sequence).toBe(1);
    expect(stored.closedThrough).toBe('2026-03-01T00:00:00.000Z');
    expect(changes[0]?.drivers).toHaveLength(6);
  });

  it('does not evaluate again for more routine activity the same day, and keeps the sequence', () => {
    const first = apply(null, [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })]);
    const second = apply(first.stored, [event('e2', 'feature.used', '2026-03-01T11:00:00Z', { feature: 'reports' })]);
    expect(second.changes).toEqual([]);
    expect(second.stored.sequence).toBe(1);
    expect(second.stored.state.eventsApplied).toBe(2);
    expect(second.stored.evaluatedAsOf).toBe('2026-03-01T10:00:00.000Z');
  });

  it('publishes a move of the signals alert rules read, even when the score stays put', () => {
    const first = apply(null, [event('e1', 'feature.used', '2026-03-01T10:00:00Z', { feature: 'reports' })]);
    const second = apply(first.stored, [event('p1', 'page.viewed', '2026-03-01T11:00:00Z', { path: '/pricing' })]);
    expect(lastChange(second)?.signals?.pricingViews7).toBe(1);
    expect(lastChange(second)?.after).toEqual(lastChange(first)?.after);
  });

  it('does not create a first score from attribute events: the owner set right after the subscription is on the first change', () => {
    const synced = apply(null, [
      event('s1', 'subscription.changed', '2026-03-01T09:00:00Z', { plan: 'pro', seats: 10, mrr: 5000 }),
      { ...event('a1', 'account.updated', '2026-03-01T09:00:01Z', { traits: { csmId: 'csm-ana' } }), trustedAttributes: true },
    ]);
    expect(synced.changes).toEqual([]);
    // A signal does, telemetry or not: a detractor of an account without product telemetry alerts.
    const first = apply(synced.stored, [event('n1', 'nps.responded', '2026-03-01T10:00:00Z', { score: 3 })]);
    expect(first.changes).toHaveLength(1);
    expect(first.changes[0]?.account.csmId).toBe('csm-ana');
    expect(first.changes[0]?.signals?.nps?.score).toBe(3);
    // Once scored, an attribute event is an evaluation point like any signal.
    const seats = apply(first.stored, [event('s2', 'subscription.changed', '2026-03-02T11:00:00Z', { plan: 'pro', seats: 1, mrr: 500 })]);
    expect(seats.stored.evaluatedAsOf).toBe('2026-03-02T11:00:00.000Z');
  });

  it('does not mutate the previous state', () => {
    const first = apply(null, [event('e1', 'session.started', '2026-03-01T10:00:00Z')]);
    apply(first.stored, [event('e2', 'nps.responded', '2026-03-02T10:00:00Z', { score: 2 })]);
    expect(first.stored.state.nps).toBeNull();
    expect(first.stored.closedThrough).toBe('2026-03-01T00:00:00.000Z');
  });

  it('closes every day the account crosses, in order, each as of its last millisecond, before applying the event', () => {
    const first = apply(null, daily(1, 20));
    const back = apply(first.stored, [event('b1', 'feature.used', '2026-04-15T10:00:00Z', { feature: 'reports' })]);
    const closes = back.changes.filter((change) => change.cause.kind === 'watermark');
    expect(closes.length).toBeGreaterThan(3);
    expect(closes.every((change) => change.eventTime.endsWith('T23:59:59.999Z'))).toBe(true);
    expect(closes.map((change) => change.eventTime)).toEqual([...closes.map((change) => change.eventTime)].sort());
    expect(closes.every((change) => change.eventTime < '2026-04-15T00:00:00.000Z')).toBe(true);
    expect(back.changes.at(-1)?.cause).toMatchObject({ kind: 'event', eventId: 'b1' });
    // The silence shows before the activity that ends it.
    expect(Math.min(...closes.map((change) => change.after.health))).toBeLessThan(lastChange(first)?.after.health ?? 0);
    expect(back.stored.closedThrough).toBe('2026-04-15T00:00:00.000Z');
    expect(back.changes.map((change) => change.sequence)).toEqual(back.changes.map((_, index) => (first.stored.sequence) + index + 1));
  });

  it('gives the same changes however the events are batched, and whether the roll or the account closes a day', () => {
    const events = [
      ...daily(1, 12),
      event('n1', 'nps.responded', '2026-03-12T12:00:00Z', { score: 3 }),
      event('x1', 'feature.used', '2026-03-12T13:00:00Z', { feature: 'reports' }),
      event('g1', 'feature.gated', '2026-03-20T09:00:00Z', { feature: 'sso' }),
      event('p1', 'billing.payment_failed', '2026-03-25T09:00:00Z'),
      ...daily(26, 5, 'late'),
    ];
    const whole = apply(null, events);
    const summary = (changes: readonly { sequence: number; eventTime: string; after: unknown; cause: unknown }[]) => changes.map(({ sequence, eventTime, after, cause }) => ({ sequence, eventTime, after, cause }));
    for (let split = 1; split < events.length; split += 1) {
      const head = apply(null, events.slice(0, split));
      const tail = apply(head.stored, events.slice(split));
      expect(summary([...head.changes, ...tail.changes])).toEqual(summary(whole.changes));
      // The roller closing what it may at that point (the watermark two grace periods past a
      // day's end; this stream is in time order) changes nothing either.
      const watermark = events[split - 1]?.timestamp ?? '';
      const boundary = closableBoundary(new Date(Date.parse(watermark)).toISOString(), 2 * options.gracePeriodMs);
      if (!boundary) continue;
      const rolled = closeAccountDays('acme', head.stored, boundary, defaultScorecard);
      const after = apply(rolled.stored, events.slice(split));
      expect(summary([...head.changes, ...rolled.changes, ...after.changes])).toEqual(summary(whole.changes));
    }
  });

  it('a late reporter: a prompt ticket does not close the day whose telemetry is still in flight, and counts only closed days', () => {
    const usage = (day: number) => [0, 1, 2].map((user) => ({ ...event(`d${day}u${user}`, 'feature.used', new Date(Date.UTC(2026, 2, day, 9 + user)).toISOString(), { feature: 'reports' }), userId: `u${user}` }));
    const history = [...Array(27).keys()].flatMap((n) => usage(n + 1));
    const ticket = event('t1', 'support.ticket_opened', '2026-03-29T09:00:00Z', { ticketId: 't1', topic: 'sso' });
    const onTime = apply(null, [...history, ...usage(28), ticket, ...usage(29), ...usage(30)]);
    const late = apply(null, [...history, ticket, ...usage(28), ...usage(29), ...usage(30)]);
    // Day 28 is closed on its full telemetry in both orders: the same state, the same health.
    expect(late.stored.closedThrough).toBe('2026-03-30T00:00:00.000Z');
    expect(late.stored.snapshot).toEqual(onTime.stored.snapshot);
    const lowest = (result: ReturnType<typeof apply>) => Math.min(...result.changes.map((change) => change.after.health));
    expect(lowest(late)).toBe(lowest(onTime));
    // The ticket's own evaluation counts activity through the last closed day only, so the
    // telemetry still in flight does not read as a drop.
    const atTicket = late.changes.find((change) => change.cause.kind === 'event' && change.cause.eventId === 't1');
    expect(atTicket?.signals?.activity.trend).toBeGreaterThan(0.9);
    expect(late.changes.every((change) => change.after.segment !== 'at_risk')).toBe(true);
  });

  it('never moves the evaluation back for an event merely out of order within days still open', () => {
    const first = apply(null, daily(1, 20));
    // A prompt email open today, then yesterday's usage report delivered after it.
    const prompt = apply(first.stored, [{ ...event('m1', 'engagement.email_opened', '2026-03-21T06:00:00Z'), userId: 'u2' }]);
    const bulk = apply(prompt.stored, [event('r1', 'usage.reported', '2026-03-20T23:00:00Z', { metric: 'api_calls', value: 10, limit: 100 })]);
    expect(bulk.late).toBe(0);
    expect(bulk.stored.evaluatedAsOf).toBe('2026-03-21T06:00:00.000Z');
    expect(bulk.changes.every((change) => change.eventTime >= '2026-03-21T06:00:00.000Z')).toBe(true);
  });

  it('re-scores a late event (its day already closed) as of its own event time', () => {
    const first = apply(null, daily(1, 10));
    const late = apply(first.stored, [event('n0', 'nps.responded', '2026-03-03T10:00:00Z', { score: 1 })]);
    expect(late.late).toBe(1);
    expect(lastChange(late)?.eventTime).toBe('2026-03-03T10:00:00.000Z');
    expect(lastChange(late)?.after.segment).toBe('at_risk');
    expect(late.stored.closedThrough).toBe(first.stored.closedThrough);
  });

  it('does not score an event further behind the account than the allowed lateness, and says which', () => {
    const first = apply(null, daily(1, 10));
    const ancient = apply(first.stored, [event('old', 'nps.responded', '2010-01-01T00:00:00Z', { score: 0 })]);
    expect(ancient.beyondLateness).toEqual(['old']);
    expect(ancient.changes).toEqual([]);
    expect(ancient.stored.state.nps).toBeNull();
    // An attribute event is never too late: a CRM backfill of the owner still lands, without re-scoring 2010.
    const backfill = apply(first.stored, [{ ...event('crm', 'account.updated', '2010-01-01T00:00:00Z', { traits: { csmId: 'csm-ana' } }), trustedAttributes: true }]);
    expect(backfill.beyondLateness).toEqual([]);
    expect(backfill.changes).toEqual([]);
    expect(backfill.stored.state.attributes.csmId).toBe('csm-ana');
  });

  it('a day or two at risk does not make a recovered account a reactivation; a sustained stretch does', () => {
    const reactivatedAfter = (atRiskDays: number) => {
      const contract = event('c1', 'subscription.changed', '2026-03-01T00:00:00Z', { plan: 'pro', seats: 1, mrr: 100, startDate: '2025-01-01' });
      const busy = apply(null, [contract, ...daily(1, 40)]);
      // A detractor answer puts the account at risk; a promoter answer ends it `atRiskDays` later.
      const detractor = apply(busy.stored, [event('d1', 'nps.responded', '2026-04-10T10:00:00Z', { score: 2 })]);
      const promoterDay = new Date(Date.UTC(2026, 3, 10 + atRiskDays, 10)).toISOString();
      const activity = daily(41, atRiskDays + 2, 'r').filter((candidate) => candidate.timestamp > '2026-04-10T11:00:00Z');
      const recovered = apply(detractor.stored, [...activity.filter((candidate) => candidate.timestamp < promoterDay), event('pr', 'nps.responded', promoterDay, { score: 10 })]);
      return lastChange(recovered)?.after.stage;
    };
    expect(reactivatedAfter(1)).not.toBe('reactivation');
    expect(reactivatedAfter(5)).toBe('reactivation');
  });

  it('publishes the signals behind the scores with every change, valid against the contract', () => {
    const events = [
      event('s1', 'subscription.changed', '2026-03-01T09:00:00Z', { plan: 'pro', seats: 10, mrr: 5000, renewalDate: '2026-05-20' }),
      event('e1', 'feature.gated', '2026-03-02T10:00:00Z', { feature: 'sso' }),
      event('e2', 'page.viewed', '2026-03-02T10:05:00Z', { path: '/pricing' }),
      event('e3', 'nps.responded', '2026-03-02T11:00:00Z', { score: 3, comment: 'too slow' }),
    ];
    const change = lastChange(apply(null, events));
    expect(change?.signals).toMatchObject({
      gatedAttempts14: 1,
      gatedFeatures14: ['sso'],
      pricingViews7: 1,
      nps: { score: 3, category: 'detractor', at: '2026-03-02T11:00:00.000Z', comment: 'too slow' },
      contract: { renewalDate: '2026-05-20', renewalInDays: 79, mrr: 5000, arrUsd: 60_000, seats: 10, plan: 'pro' },
    });
    expect(validateScoreChanged(change)).toEqual({ ok: true, value: change });
  });

  it('publishes signals on a day close too', () => {
    const first = apply(null, [event('e1', 'feature.gated', '2026-03-01T10:00:00Z', { feature: 'sso' })]);
    const later = closeAccountDays('acme', first.stored, '2026-03-20T00:00:00.000Z', defaultScorecard);
    const last = later.changes.at(-1);
    expect(last?.cause).toEqual({ kind: 'watermark' });
    expect(last?.signals?.gatedAttempts14).toBe(0);
    expect(last?.signals?.activity.last30).toBe(1);
    expect(closeAccountDays('acme', later.stored, '2026-03-10T00:00:00.000Z', defaultScorecard).changes).toEqual([]);
  });

  it('scores a state stored before the signal fields and day closing existed', () => {
    const first = apply(null, [event('e1', 'session.started', '2026-03-01T10:00:00Z')]);
    const legacy = JSON.parse(JSON.stringify(first.stored.state)) as Record<string, unknown>;
    for (const field of ['gatedByDay', 'pricingViewsByDay', 'usageLatest', 'ticketTopics', 'userPeriods', 'lastTouchpointDay', 'signalsTrackedSinceDay', 'prunedBeforeDay', 'atRiskClosedDays', 'lastSignalsFingerprint']) delete legacy[field];
    const stored: StoredAccount = { ...first.stored, closedThrough: null, state: legacy as unknown as AccountState };
    const rescored = closeAccountDays('acme', stored, '2026-04-21T00:00:00.000Z', defaultScorecard);
    const last = rescored.changes.at(-1);
    // Silence is counted from the day the legacy state was tracked from, not from the epoch.
    expect(last?.signals?.csm).toEqual({ daysSinceTouchpoint: dayOf(last?.eventTime ?? '') - dayOf('2026-03-01'), lastTouchpointAt: null, daysObserved: dayOf(last?.eventTime ?? '') - dayOf('2026-03-01') });
    expect(validateScoreChanged(last).ok).toBe(true);
    const next = apply(stored, [event('e2', 'feature.gated', '2026-04-21T10:00:00Z', { feature: 'sso' })]);
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
    const change = lastChange(apply(null, odd));
    expect(validateScoreChanged(change)).toMatchObject({ ok: true });
    expect(change?.signals?.contract).toMatchObject({ arrUsd: null, renewalDate: '1969-12-31', renewalInDays: -20_514 });
  });
});

describe('closeAccountsDays', () => {
  it('closes each account of a chunk as closeAccountDays does, in the chunk’s order, leaving the given accounts as they were', () => {
    const acme = apply(null, [event('e1', 'feature.gated', '2026-03-01T10:00:00Z', { feature: 'sso' })]).stored;
    const bolt = applyAccountEvents('bolt', null, [{ ...event('b1', 'feature.used', '2026-03-03T10:00:00Z', { feature: 'reports' }), accountId: 'bolt' }], defaultScorecard, options).stored;
    const chunk = new Map([
      ['bolt', bolt],
      ['acme', acme],
    ]);
    const before = JSON.stringify([...chunk]);
    const through = '2026-03-20T00:00:00.000Z';
    const closed = closeAccountsDays(chunk, through, defaultScorecard);
    const [closedBolt, closedAcme] = [closeAccountDays('bolt', bolt, through, defaultScorecard), closeAccountDays('acme', acme, through, defaultScorecard)];
    expect([...closed.accounts]).toEqual([
      ['bolt', closedBolt.stored],
      ['acme', closedAcme.stored],
    ]);
    expect(closed.changes).toEqual([...closedBolt.changes, ...closedAcme.changes]);
    expect(closed.changes.length).toBeGreaterThan(0);
    expect(JSON.stringify([...chunk])).toBe(before);
  });
});
