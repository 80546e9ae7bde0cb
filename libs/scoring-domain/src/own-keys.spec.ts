import type { JsonObject, TelemetryEvent } from '@bellwether/contracts';
import { telemetryEvent } from '@bellwether/testing';
import { applyAccountEvents } from './account-scoring';
import { deriveAccountSignals } from './account-signals';
import { applyEvent, emptyAccountState, MAX_TRACKED_USERS, type AccountState } from './account-state';
import { keyFeatureOwnersLostOf } from './long-horizon';
import { defaultScorecard, type Scorecard } from './scorecard';
import { scorecardFromConfig } from './scorecard-config';
import { isoDay } from './time';

// Keys that come from events (user ids, feature, metric and topic names) are text like any other:
// `__proto__`, `constructor` and `hasOwnProperty` were read as what a plain object inherits, and
// an accepted event with `userId: "__proto__"` was dead-lettered (`periods.includes is not a function`).
const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };

describe.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('a key named %s', (key) => {
  const at = (n: number) => new Date(Date.UTC(2026, 2, 1, 10) + n * 3_600_000).toISOString();
  const events = [
    telemetryEvent({ id: `${key}-1`, accountId: 'acme', type: 'session.started', userId: key, timestamp: at(0) }),
    telemetryEvent({ id: `${key}-2`, accountId: 'acme', type: 'feature.used', userId: key, timestamp: at(1), properties: { feature: key } }),
    telemetryEvent({ id: `${key}-3`, accountId: 'acme', type: 'feature.gated', userId: key, timestamp: at(2), properties: { feature: key } }),
    telemetryEvent({ id: `${key}-4`, accountId: 'acme', type: 'usage.reported', timestamp: at(3), properties: { metric: key, value: 3, limit: 10 } }),
    telemetryEvent({ id: `${key}-5`, accountId: 'acme', type: 'ticket.opened', userId: key, timestamp: at(4), properties: { topic: key } }),
    telemetryEvent({ id: `${key}-6`, accountId: 'acme', type: 'session.started', userId: key, timestamp: at(30) }),
  ];

  it('is applied as data, kept as an own key, and survives a JSON round trip', () => {
    const first = applyAccountEvents('acme', null, events.slice(0, 3), defaultScorecard, options);
    const reloaded = JSON.parse(JSON.stringify(first.stored)) as typeof first.stored;
    const second = applyAccountEvents('acme', reloaded, events.slice(3), defaultScorecard, options);
    const state = second.stored.state;
    expect(Object.hasOwn(state.userLastSeen, key)).toBe(true);
    expect(Object.hasOwn(state.userPeriods, key)).toBe(true);
    expect(Object.hasOwn(state.featureLastUsed, key)).toBe(true);
    // Still a plain object: its prototype was not replaced (Object.prototype, whose own prototype is null).
    expect(Object.getPrototypeOf(Object.getPrototypeOf(state.userPeriods))).toBeNull();
    expect(second.stored.state.eventsApplied).toBe(events.length);
  });
});

// The same keys as plan-limit names (`limits` keys of `subscription.changed`): a plain assignment
// dropped `limits["__proto__"]`, so usage of that metric never met its plan limit.
describe.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('a plan limit for a metric named %s', (key) => {
  const at = (n: number) => new Date(Date.UTC(2026, 2, 1, 10) + n * 3_600_000).toISOString();

  it('is kept as an own key and applies to the usage reported for that metric', () => {
    // Parsed as the events topic's decoder parses a record: `__proto__` is an own key there.
    const limits = JSON.parse(`{${JSON.stringify(key)}: 10}`) as JsonObject;
    const events = [
      telemetryEvent({ id: `${key}-plan`, accountId: 'acme', type: 'subscription.changed', timestamp: at(0), properties: { plan: 'pro', limits } }),
      telemetryEvent({ id: `${key}-usage`, accountId: 'acme', type: 'usage.reported', timestamp: at(1), properties: { metric: key, value: 9 } }),
    ];
    const { stored } = applyAccountEvents('acme', null, events, defaultScorecard, options);
    const reloaded = JSON.parse(JSON.stringify(stored.state)) as AccountState;
    expect(Object.hasOwn(reloaded.attributes.limits ?? {}, key)).toBe(true);
    expect(deriveAccountSignals(reloaded, at(2), defaultScorecard).usage).toEqual([{ metric: key, value: 9, limit: 10, ratio: 0.9, at: '2026-03-01' }]);
  });
});

// The same keys as key features of a scorecard: `featureLastUsed[feature]` found what a plain
// object inherits, so the first use of such a key feature was no evaluation point.
describe.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('a key feature named %s', (key) => {
  const at = (n: number) => new Date(Date.UTC(2026, 2, 1, 10) + n * 3_600_000).toISOString();
  const scorecard: Scorecard = { ...defaultScorecard, signals: { ...defaultScorecard.signals, keyFeatures: [key] } };

  it('makes its first use an evaluation point, as any key feature', () => {
    const events = [
      telemetryEvent({ id: `${key}-1`, accountId: 'acme', type: 'session.started', userId: 'u1', timestamp: at(0) }),
      telemetryEvent({ id: `${key}-2`, accountId: 'acme', type: 'feature.used', userId: 'u1', timestamp: at(1), properties: { feature: key } }),
    ];
    const { stored } = applyAccountEvents('acme', null, events, scorecard, options);
    expect(stored.evaluatedAsOf).toBe(at(1));
  });
});

// A user beyond the 5,000 tracked in `userLastSeen` still has weekly activity (the champion's
// counts keep the most active users) and key feature uses. For such a user named like an
// inherited member, `userLastSeen[userId]` was a function or Object.prototype, not "unknown": as
// the most active user it became the champion with a last-seen day that is no number, and deriving
// the signals threw a RangeError (the event was dead-lettered); tied on uses with a key feature's
// real owner, it was taken as the owner and the owner's loss went unreported.
describe.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('an untracked user named %s', (key) => {
  const START = 20_500;
  let sequence = 0;
  const event = (type: string, day: number, userId: string, properties: JsonObject = {}): TelemetryEvent => {
    sequence += 1;
    return telemetryEvent({ id: `e${sequence}`, accountId: 'acme', type, userId, timestamp: `${isoDay(day)}T10:00:00.000Z`, properties });
  };

  it('is neither the champion nor a key feature owner, and the signals derive', () => {
    const state = emptyAccountState('acme');
    const apply = (e: TelemetryEvent) => applyEvent(state, e, defaultScorecard.signals);
    apply(event('session.started', START, 'owner'));
    // The other users that filled `userLastSeen` on the first day, set at once (5,000 events
    // through applyEvent take half a minute): what the first day's events leave there.
    for (let n = 1; n < MAX_TRACKED_USERS; n += 1) state.userLastSeen[`f${String(n).padStart(4, '0')}`] = START;
    for (let day = START + 1; day <= START + 10; day += 1) {
      if (day <= START + 2) apply(event('session.started', day, key));
      apply(event('feature.used', day, key, { feature: 'reports' }));
      apply(event('feature.used', day, 'owner', { feature: 'reports' }));
    }
    for (let day = START + 15, n = 1; day <= START + 55; day += 5, n += 1) apply(event('session.started', day, `f${String(n).padStart(4, '0')}`));
    expect(Object.hasOwn(state.userLastSeen, key)).toBe(false);
    expect(Object.hasOwn(state.userWeeklyActivity, key)).toBe(true);

    const asOfDay = START + 56;
    expect(keyFeatureOwnersLostOf(state, ['reports'], asOfDay, asOfDay)).toEqual([expect.objectContaining({ feature: 'reports', userId: 'owner', share: 0.5 })]);
    const signals = deriveAccountSignals(state, `${isoDay(asOfDay)}T12:00:00.000Z`, defaultScorecard);
    expect(signals.champion).toEqual(expect.objectContaining({ userId: 'owner', lastSeenAt: isoDay(START + 10) }));
  });
});

describe.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('a scorecard signal setting named %s', (key) => {
  it('is refused as unknown, like any other name', () => {
    // `key in defaultScorecard.signals` was true for inherited members: the file was accepted.
    const config = JSON.parse(`{"version": "custom-1", "signals": {${JSON.stringify(key)}: 1}}`) as unknown;
    expect(scorecardFromConfig(config)).toEqual({ ok: false, problems: [`signals.${key}: is not a signal setting`] });
  });
});
