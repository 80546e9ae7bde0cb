import type { JsonObject } from '@bellwether/contracts';
import { telemetryEvent } from '@bellwether/testing';
import { applyAccountEvents } from './account-scoring';
import { deriveAccountSignals } from './account-signals';
import type { AccountState } from './account-state';
import { defaultScorecard, type Scorecard } from './scorecard';

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
