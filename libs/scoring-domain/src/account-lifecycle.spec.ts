import { validateScoreChanged, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { applyAccountEvents, closeAccountDays, type StoredAccount } from './account-scoring';
import { applyEvent, churnedAsOf, emptyAccountState, seatsReducedDay, upgradeState, type AccountState } from './account-state';
import { defaultScorecard } from './scorecard';
import { dayStart, isoDay } from './time';

// Issue 15: cold start (insufficient data, neglect counted from the first observation), churn and
// reactivation (churnedAt, a returning customer), and seats after a contraction.

const DAY0 = Date.UTC(2026, 2, 1) / 86_400_000;
const at = (day: number, hour = 10) => `${isoDay(DAY0 + day)}T${String(hour).padStart(2, '0')}:00:00.000Z`;

let sequence = 0;
function event(type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}, userId?: string): TelemetryEvent {
  sequence += 1;
  return { schemaVersion: 1, id: `e${sequence}`, type, accountId: 'acme', ...(userId ? { userId } : {}), timestamp, receivedAt: timestamp, source: 'native', properties };
}

const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };
const apply = (previous: StoredAccount | null, events: TelemetryEvent[]) => applyAccountEvents('acme', previous, events, defaultScorecard, options);
const last = (changes: readonly ScoreChanged[]) => changes[changes.length - 1];
/** A subscription whose contract began `daysBefore` days before day 0 (400: an old customer). */
const subscription = (timestamp: string, daysBefore: number, extra: TelemetryEvent['properties'] = {}) =>
  event('subscription.changed', timestamp, { plan: 'pro', seats: 10, mrr: 10_000, startDate: isoDay(DAY0 - daysBefore), ...extra });
/** `users` users using two key features every day from `from` for `days` days. */
const usage = (from: number, days: number, users = 4) =>
  [...Array(days).keys()].flatMap((n) =>
    [...Array(users).keys()].map((user) => event('feature.used', at(from + n, 9 + (user % 10)), { feature: user % 2 === 0 ? 'reports' : 'dashboards' }, `u${user}`)),
  );

describe('cold start: a measure without enough history has no opinion', () => {
  it('a first billing event before any usage does not score the account red: the snapshot says its data is insufficient', () => {
    // The case: an old contract (400 days), history beginning today with a CRM sync and a payment.
    const result = apply(null, [subscription(at(0, 8), 400), event('account.updated', at(0, 8), { traits: { industry: 'retail' } }), event('billing.payment_succeeded', at(0, 9))]);
    const first = result.changes[0];
    expect(result.changes).toHaveLength(1);
    expect(first?.after.band).not.toBe('red');
    expect(first?.after).toMatchObject({ insufficientData: true, segment: 'stable' });
    expect(first?.after.churnRisk).toBeLessThan(0.6);
    const insufficient = first?.drivers.filter((driver) => driver.insufficientData).map((driver) => driver.measure);
    expect(insufficient).toEqual(['product_usage', 'feature_adoption', 'support', 'sentiment']);
    expect(first?.drivers.filter((driver) => driver.insufficientData).every((driver) => driver.contribution === 0)).toBe(true);
    expect(validateScoreChanged(first)).toMatchObject({ ok: true });
  });

  it('a brand-new contract (the red 28 of the issue) is not red either: onboarding is not judged in its first 14 days', () => {
    const first = apply(null, [subscription(at(0, 8), 0), event('billing.payment_succeeded', at(0, 9))]).changes[0];
    expect(first?.after).toMatchObject({ insufficientData: true, segment: 'stable', stage: 'onboarding' });
    expect(first?.after.band).not.toBe('red');
    expect(first?.drivers.find((driver) => driver.measure === 'onboarding')).toMatchObject({ insufficientData: true, contribution: 0 });
  });

  it('event signals still put a young account at risk (a failed payment alerts through its own rule)', () => {
    const first = apply(null, [subscription(at(0, 8), 400), event('billing.payment_failed', at(0, 9))]).changes[0];
    expect(first?.after).toMatchObject({ insufficientData: true, segment: 'at_risk' });
    expect(first?.signals?.billing.trouble).toEqual(['payment_failed']);
  });

  it('usage counts once the account has 14 days of activity; health is then the mean over the measures with data', () => {
    const young = apply(null, [subscription(at(0, 8), 400), ...usage(0, 10)]);
    expect(last(young.changes)?.after.insufficientData).toBe(true);
    const grown = apply(young.stored, usage(10, 10));
    const change = last(grown.changes);
    expect(change?.after.insufficientData).toBeUndefined();
    expect(change?.drivers.find((driver) => driver.measure === 'product_usage')?.insufficientData).toBeUndefined();
    // No NPS answer: sentiment does not count, and the contributions of the others add up to health.
    expect(change?.drivers.find((driver) => driver.measure === 'sentiment')).toMatchObject({ insufficientData: true, contribution: 0 });
    const total = (change?.drivers ?? []).reduce((sum, driver) => sum + driver.contribution, 0);
    expect(Math.abs(total - (change?.after.health ?? 0))).toBeLessThan(1);
    // The move from insufficient to sufficient is itself published.
    expect(grown.changes.some((candidate) => candidate.before?.insufficientData === true && candidate.after.insufficientData === undefined)).toBe(true);
  });

  it('silence still costs an account with history its health: a dead account goes red', () => {
    const busy = apply(null, [subscription(at(0, 8), 400), ...usage(0, 20)]);
    const silent = closeAccountDays('acme', busy.stored, dayStart(DAY0 + 70), defaultScorecard);
    expect(last(silent.changes)?.after).toMatchObject({ band: 'red', segment: 'at_risk' });
    expect(last(silent.changes)?.after.insufficientData).toBeUndefined();
  });

  it('publishes days observed, so neglect counts from the first observation, not from a contract start 400 days back', () => {
    const first = apply(null, [subscription(at(0, 8), 400), event('session.started', at(0, 9), {}, 'u1')]).changes[0];
    expect(first?.signals?.csm).toEqual({ daysSinceTouchpoint: null, lastTouchpointAt: null, daysObserved: 0 });
    expect(first?.signals?.onboarding.daysSinceStart).toBe(400);
  });
});

describe('seats after a contraction', () => {
  // 20 users on 25 seats; the customer cuts to 12 seats on day 21; 10 users stay.
  const history = () => {
    const team = [...Array(20).keys()].map((user) => event('session.started', at(1 + (user % 20)), {}, `u${user}`));
    const cut = subscription(at(21), 400, { seats: 12 });
    const stayers = [...Array(15).keys()].flatMap((n) => [...Array(10).keys()].map((user) => event('session.started', at(22 + n, 9 + (user % 10)), {}, `u${user}`)));
    return [subscription(at(0, 8), 400, { seats: 25 }), ...team, cut, ...stayers];
  };

  it('publishes the day of the cut and the users active since it, apart from the 30-day count', () => {
    const result = apply(null, history());
    const signals = last(result.changes)?.signals;
    expect(signals?.activeUsers).toMatchObject({ seats: 12, last30: 20, seatsReducedAt: isoDay(DAY0 + 21), sinceSeatsReduced: 10 });
    expect(validateScoreChanged(last(result.changes))).toMatchObject({ ok: true });
  });

  it('a seat increase or the same seats again is no cut, and a cut older than 30 days is no longer reported', () => {
    const state = emptyAccountState('acme');
    for (const [day, seats] of [[0, 10], [5, 10], [9, 15]] as const) applyEvent(state, subscription(at(day), 400, { seats }));
    expect(seatsReducedDay(state, DAY0 + 20)).toBeNull();
    applyEvent(state, subscription(at(12), 400, { seats: 8 }));
    expect(seatsReducedDay(state, DAY0 + 20)).toBe(DAY0 + 12);
    // A late event before the cut does not hide it: the order is event time.
    applyEvent(state, subscription(at(3), 400, { seats: 10 }));
    expect(seatsReducedDay(state, DAY0 + 20)).toBe(DAY0 + 12);
    const later = closeAccountDays('acme', apply(null, history()).stored, dayStart(DAY0 + 60), defaultScorecard);
    expect(last(later.changes)?.signals?.activeUsers).toMatchObject({ seatsReducedAt: null, sinceSeatsReduced: null });
  });
});

describe('churn and reactivation', () => {
  const customer = () => apply(null, [subscription(at(0, 8), 400), ...usage(0, 20)]);

  it('account.churned publishes a change carrying churnedAt; account.renewed clears it', () => {
    const base = customer();
    const churned = apply(base.stored, [event('account.churned', at(20, 12), { reason: 'budget' })]);
    expect(churned.changes).toHaveLength(1);
    expect(churned.changes[0]?.account.churnedAt).toBe(at(20, 12));
    expect(validateScoreChanged(churned.changes[0])).toMatchObject({ ok: true });
    // While churned, every change keeps saying so (a day close too).
    const closed = closeAccountDays('acme', churned.stored, dayStart(DAY0 + 25), defaultScorecard);
    expect(closed.changes.length).toBeGreaterThan(0);
    expect(closed.changes.every((change) => change.account.churnedAt === at(20, 12))).toBe(true);
    const renewed = apply(closed.stored, [event('account.renewed', at(26))]);
    expect(renewed.changes).toHaveLength(1);
    expect(renewed.changes[0]?.account.churnedAt).toBeUndefined();
  });

  it('a new subscription after the churn reactivates a returning customer: not onboarding again, so no onboarding_stalled', () => {
    const churned = apply(customer().stored, [event('account.churned', at(20, 12))]);
    const back = apply(churned.stored, [subscription(at(40), 0, { startDate: isoDay(DAY0 + 40) })]);
    const change = last(back.changes);
    expect(change?.account.churnedAt).toBeUndefined();
    expect(change?.after.stage).not.toBe('onboarding');
    expect(change?.signals?.onboarding).toMatchObject({ inOnboarding: false, daysSinceStart: 0 });
    // Weeks later, no milestone: still not onboarding (the rule reads `inOnboarding`).
    const weeks = closeAccountDays('acme', back.stored, dayStart(DAY0 + 70), defaultScorecard);
    expect(weeks.changes.every((candidate) => candidate.signals?.onboarding.inOnboarding === false && candidate.after.stage !== 'onboarding')).toBe(true);
    // A new customer with the same contract start is onboarding (the returning one is the difference).
    const newcomer = apply(null, [subscription(at(40), 0, { startDate: isoDay(DAY0 + 40) }), event('session.started', at(40, 11), {}, 'u1')]);
    expect(last(newcomer.changes)?.signals?.onboarding.inOnboarding).toBe(true);
  });

  it('a returning customer is judged on its use since its return: the weeks it was gone are no history (no red on its return)', () => {
    const churned = apply(customer().stored, [event('account.churned', at(20, 12))]);
    const back = apply(churned.stored, [subscription(at(40), 0, { startDate: isoDay(DAY0 + 40) }), ...usage(40, 3)]);
    expect(last(back.changes)?.after).toMatchObject({ insufficientData: true });
    expect(last(back.changes)?.signals?.usageLevel ?? null).toBeNull();
    const settled = apply(back.stored, usage(43, 16));
    expect(last(settled.changes)?.after.insufficientData).toBeUndefined();
  });

  it('a billing follow-up to the cancellation (MRR 0, seats 0) is no new subscription: the account stays churned', () => {
    const churned = apply(customer().stored, [event('account.churned', at(25, 12))]);
    const followUp = apply(churned.stored, [event('subscription.changed', at(25, 13), { mrr: 0, seats: 0 }), event('billing.payment_failed', at(26, 9))]);
    expect(last(followUp.changes)?.account.churnedAt).toBe(at(25, 12));
    const back = apply(followUp.stored, [subscription(at(40), 0, { startDate: isoDay(DAY0 + 40) })]);
    expect(last(back.changes)?.account.churnedAt).toBeUndefined();
  });

  it('a late pre-churn event, re-scored as of its own time after the churn, still says the account is churned', () => {
    const churned = apply(customer().stored, [event('account.churned', at(25, 12)), event('billing.payment_failed', at(27, 9))]);
    expect(last(churned.changes)?.account.churnedAt).toBe(at(25, 12));
    // A ticket of day 22 arrives on day 27: re-scored as of day 22, but the churn is a fact of the account's present.
    const late = apply(churned.stored, [event('support.ticket_opened', at(22, 9), { priority: 'urgent' })]);
    expect(late.changes.length).toBeGreaterThan(0);
    for (const change of late.changes) expect(change.account.churnedAt).toBe(at(25, 12));
  });

  it('a late account.churned gives the same final state as in order, with or without a reactivation after it', () => {
    const finalOf = (events: TelemetryEvent[]) => {
      const applied = apply(null, events);
      const closed = closeAccountDays('acme', applied.stored, dayStart(DAY0 + 40), defaultScorecard);
      const state = closed.stored.state;
      return {
        churnedAt: churnedAsOf(state, at(39, 23)),
        fields: [state.churnedAt, state.firstChurnDay, state.reactivatedAt],
        lastChurnedAt: last([...applied.changes, ...closed.changes])?.account.churnedAt ?? null,
        inOnboarding: last([...applied.changes, ...closed.changes])?.signals?.onboarding.inOnboarding,
      };
    };
    const churn = event('account.churned', at(20, 12));
    const before = [subscription(at(0, 8), 400), ...usage(0, 20)];
    const after = usage(21, 5);
    // Churned for good: in order, and the churn arriving after five later days of usage.
    const inOrder = finalOf([...before, churn, ...after]);
    expect(inOrder.churnedAt).toBe(at(20, 12));
    expect(finalOf([...before, ...after, churn])).toEqual(inOrder);
    // Churned, then back with a new subscription on day 23: the late churn does not undo the return.
    const comeback = subscription(at(23), 0, { startDate: isoDay(DAY0 + 23) });
    const returned = finalOf([...before, churn, ...after.slice(0, 8), comeback, ...after.slice(8)]);
    expect(returned).toMatchObject({ churnedAt: null, lastChurnedAt: null, inOnboarding: false });
    expect(finalOf([...before, ...after.slice(0, 8), comeback, ...after.slice(8), churn])).toEqual(returned);
  });

  it('upgrades a state stored before issue 15: usage history from its first event, seats as known, no churn', () => {
    const stored = emptyAccountState('acme') as unknown as Record<string, unknown>;
    for (const field of ['firstActivityDay', 'churnedAt', 'firstChurnDay', 'reactivatedAt', 'seatsByDay']) delete stored[field];
    const legacy = { ...stored, firstEventDay: DAY0 - 100, lastEventDay: DAY0, attributes: { seats: 10 } } as unknown as AccountState;
    upgradeState(legacy);
    expect(legacy).toMatchObject({ firstActivityDay: DAY0 - 100, churnedAt: null, firstChurnDay: null, reactivatedAt: null, seatsByDay: { [DAY0 - 100]: 10 } });
    // A cut applied to it is seen against the seats it had.
    applyEvent(legacy, subscription(at(1), 400, { seats: 6 }));
    expect(seatsReducedDay(legacy, DAY0 + 1)).toBe(DAY0 + 1);
  });
});
