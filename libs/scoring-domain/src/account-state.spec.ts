import type { TelemetryEvent } from '@bellwether/contracts';
import { deriveAccountSignals } from './account-signals';
import {
  applyEvent,
  emptyAccountState,
  isPricingPath,
  MAX_GATED_FEATURES,
  MAX_PERIODS_PER_USER,
  MAX_TICKET_TOPICS,
  MAX_TICKETS_PER_TOPIC,
  MAX_USAGE_METRICS,
  periodOf,
  pruneBefore,
  STATE_HORIZON_DAYS,
  upgradeState,
  type AccountState,
} from './account-state';
import { defaultScorecard } from './scorecard';
import { deriveSignals } from './signals';
import { isoDay } from './time';

const TODAY = 20_540;

let sequence = 0;
function event(type: string, day: number, properties: TelemetryEvent['properties'] = {}, userId?: string): TelemetryEvent {
  sequence += 1;
  const timestamp = `${isoDay(day)}T10:00:00.000Z`;
  return { schemaVersion: 1, id: `e${sequence}`, type, accountId: 'acme', ...(userId ? { userId } : {}), timestamp, receivedAt: timestamp, source: 'native', properties };
}

/** A state as an older scoring version stored it in Postgres (JSON without the signal fields). */
function legacyState(): AccountState {
  const stored = {
    accountId: 'acme',
    attributes: { plan: 'pro', seats: 10, mrr: 6000 },
    activityByDay: { [TODAY - 50]: 4 },
    ticketsByDay: {},
    userLastSeen: { u1: TODAY - 50 },
    featureLastUsed: { reports: TODAY - 50 },
    milestones: ['account_setup'],
    nps: { score: 8, day: TODAY - 60 },
    billing: { paymentFailedDay: null, invoiceOverdueDay: null, downgradeRequestedDay: null, lastPaymentOkDay: null },
    lastEventDay: TODAY - 50,
    firstEventDay: TODAY - 200,
    eventsApplied: 42,
  };
  return JSON.parse(JSON.stringify(stored)) as AccountState;
}

describe('states stored before the signal fields existed', () => {
  it('take events: missing fields start empty and tracking starts at the old last event day', () => {
    const state = legacyState();
    applyEvent(state, event('feature.gated', TODAY, { feature: 'sso' }, 'u2'));
    applyEvent(state, event('csm.touchpoint', TODAY, { kind: 'call' }));
    expect(state).toMatchObject({
      gatedByDay: { [TODAY]: 1 },
      gatedFeatureLastTried: { sso: TODAY },
      userPeriods: { u2: [periodOf(TODAY)] },
      lastTouchpointDay: TODAY,
      signalsTrackedSinceDay: TODAY - 50,
      ticketTopics: {},
      eventsApplied: 44,
    });
    expect(deriveAccountSignals(state, `${isoDay(TODAY)}T12:00:00Z`, defaultScorecard).gatedAttempts14).toBe(1);
  });

  it('can be read without being changed, and unknown history counts from when tracking began', () => {
    const state = legacyState();
    const before = JSON.stringify(state);
    const signals = deriveAccountSignals(state, `${isoDay(TODAY)}T12:00:00Z`, defaultScorecard);
    expect(JSON.stringify(state)).toBe(before);
    // No touchpoint is known, but none could have been seen before day TODAY − 50: a lower bound.
    expect(signals.csm).toEqual({ daysSinceTouchpoint: 50, lastTouchpointAt: null, daysObserved: 200 });
    expect(signals.onboarding.daysSinceLastMilestone).toBe(50);
    expect(signals.nps).toEqual({ score: 8, category: 'passive', at: `${isoDay(TODAY - 60)}T00:00:00.000Z` });
    expect(signals.activeUsers).toMatchObject({ thisPeriod: 0, previousPeriod: 0, seats: 10 });
    expect(signals.usage).toEqual([]);
  });

  it('upgrade is idempotent and leaves a new state’s fields alone', () => {
    const state = legacyState();
    upgradeState(state);
    const once = JSON.stringify(state);
    upgradeState(state);
    expect(JSON.stringify(state)).toBe(once);
    const fresh = emptyAccountState('new');
    expect(upgradeState(fresh).signalsTrackedSinceDay).toBeNull();
  });

  it('score the same as before on the measures that existed', () => {
    const legacy = legacyState();
    const upgraded = upgradeState(legacyState());
    expect(deriveSignals(upgraded, TODAY, defaultScorecard.signals)).toEqual(deriveSignals(legacy, TODAY, defaultScorecard.signals));
  });
});

describe('bounded state', () => {
  it('keeps at most the newest 3 periods per user, whatever the arrival order', () => {
    const state = emptyAccountState('acme');
    for (const offset of [0, 90, 30, 120, 60]) applyEvent(state, event('session.started', TODAY - offset, {}, 'u1'));
    expect(state.userPeriods['u1']).toHaveLength(MAX_PERIODS_PER_USER);
    expect(state.userPeriods['u1']).toEqual([periodOf(TODAY - 60), periodOf(TODAY - 30), periodOf(TODAY)]);
  });

  it('caps ticket topics, making room by dropping the topic with the oldest last ticket', () => {
    const state = emptyAccountState('acme');
    for (let n = 0; n < MAX_TICKET_TOPICS; n += 1) applyEvent(state, event('support.ticket_opened', TODAY - 40 + (n % 20), { topic: `t${n}` }));
    applyEvent(state, event('support.ticket_opened', TODAY, { topic: 'new' }));
    expect(Object.keys(state.ticketTopics)).toHaveLength(MAX_TICKET_TOPICS);
    expect(state.ticketTopics['new']).toEqual([TODAY]);
    expect(state.ticketTopics['t0']).toBeUndefined(); // last ticket 40 days back, name first among ties
    expect(state.ticketTopics['t20']).toEqual([TODAY - 40]);
    // A ticket older than every kept topic's last one makes no room.
    applyEvent(state, event('support.ticket_opened', TODAY - 60, { topic: 'ancient' }));
    expect(state.ticketTopics['ancient']).toBeUndefined();
  });

  it('caps the days kept per topic, dropping the oldest', () => {
    const state = emptyAccountState('acme');
    for (let n = 0; n < MAX_TICKETS_PER_TOPIC + 5; n += 1) applyEvent(state, event('support.ticket_opened', TODAY - 60 + n, { topic: 'sso' }));
    expect(state.ticketTopics['sso']).toHaveLength(MAX_TICKETS_PER_TOPIC);
    expect(state.ticketTopics['sso']?.[0]).toBe(TODAY - 55);
    expect(state.ticketsByDay[TODAY - 60]).toBe(1);
  });

  it('keeps ticket days in order when a late ticket arrives', () => {
    const state = emptyAccountState('acme');
    for (const offset of [1, 10, 5]) applyEvent(state, event('support.ticket_opened', TODAY - offset, { topic: 'sso' }));
    expect(state.ticketTopics['sso']).toEqual([TODAY - 10, TODAY - 5, TODAY - 1]);
  });

  it('caps usage metrics and gated features', () => {
    const state = emptyAccountState('acme');
    for (let n = 0; n < MAX_USAGE_METRICS + 3; n += 1) applyEvent(state, event('usage.reported', TODAY, { metric: `m${n}`, value: 1, limit: 2 }));
    for (let n = 0; n < MAX_GATED_FEATURES + 3; n += 1) applyEvent(state, event('feature.gated', TODAY, { feature: `f${n}` }));
    expect(Object.keys(state.usageLatest)).toHaveLength(MAX_USAGE_METRICS);
    expect(Object.keys(state.gatedFeatureLastTried)).toHaveLength(MAX_GATED_FEATURES);
    expect(state.gatedByDay[TODAY]).toBe(MAX_GATED_FEATURES + 3);
  });

  it('prunes every new counter to the 90-day horizon as time moves', () => {
    const state = emptyAccountState('acme');
    const old = TODAY - STATE_HORIZON_DAYS;
    applyEvent(state, event('feature.gated', old, { feature: 'sso' }, 'u1'));
    applyEvent(state, event('page.viewed', old, { path: '/pricing' }));
    applyEvent(state, event('usage.reported', old, { metric: 'api_calls', value: 5, limit: 10 }));
    applyEvent(state, event('support.ticket_opened', old, { topic: 'complaint' }));
    applyEvent(state, event('engagement.email_opened', old));
    applyEvent(state, event('engagement.event_attended', old));
    applyEvent(state, event('community.posted', old));
    applyEvent(state, event('session.started', TODAY));
    // Exactly 90 days back is still inside the horizon.
    expect(state.gatedByDay[old]).toBe(1);
    applyEvent(state, event('session.started', TODAY + 1));
    const { gatedByDay, gatedFeatureLastTried, pricingViewsByDay, usageLatest, ticketTopics, ticketsByDay, escalationsByDay, emailOpensByDay, eventsAttendedByDay, communityPostsByDay } =
      state;
    const maps = { gatedByDay, gatedFeatureLastTried, pricingViewsByDay, usageLatest, ticketTopics, ticketsByDay, escalationsByDay, emailOpensByDay, eventsAttendedByDay, communityPostsByDay };
    expect(Object.values(maps).every((map) => Object.keys(map).length === 0)).toBe(true);
    expect(state.prunedBeforeDay).toBe(TODAY + 1 - STATE_HORIZON_DAYS);
    // Periods are coarser: one that still overlaps the horizon stays.
    expect(state.userPeriods['u1']).toEqual([periodOf(old)]);
  });

  it('drops a late event older than the horizon at once', () => {
    const state = emptyAccountState('acme');
    applyEvent(state, event('session.started', TODAY));
    applyEvent(state, event('feature.gated', TODAY - STATE_HORIZON_DAYS - 1, { feature: 'sso' }));
    expect(state.gatedByDay).toEqual({});
  });

  it('prunes periods that end before the horizon only', () => {
    const state = emptyAccountState('acme');
    state.userPeriods = { a: [periodOf(TODAY) - 4, periodOf(TODAY) - 3], b: [periodOf(TODAY) - 1] };
    pruneBefore(state, periodOf(TODAY) * 30 - 90);
    expect(state.userPeriods).toEqual({ a: [periodOf(TODAY) - 3], b: [periodOf(TODAY) - 1] });
  });
});

describe('event classification', () => {
  it.each([
    ['/pricing', true],
    ['/pricing/', true],
    ['/pricing/enterprise', true],
    ['/pricing?plan=team', true],
    ['/pricing#faq', true],
    ['/PLANS', true],
    ['https://example.com/upgrade/now', true],
    ['/pricingfaq', false],
    ['/docs/pricing', false],
    ['not a url://', false],
  ])('%s is a pricing page: %s', (path, expected) => {
    expect(isPricingPath(path, defaultScorecard.signals.pricingPaths)).toBe(expected);
  });

  it('treats a configured prefix with a trailing slash like one without', () => {
    expect(isPricingPath('/billing', ['/billing/'])).toBe(true);
    expect(isPricingPath('/anything', ['/'])).toBe(true);
    expect(isPricingPath('/anything', [''])).toBe(false);
  });

  it('marks complaints and escalations by severity, sentiment or topic', () => {
    const state = emptyAccountState('acme');
    applyEvent(state, event('support.ticket_opened', TODAY, { topic: 'sso', severity: 'High' }));
    applyEvent(state, event('support.ticket_opened', TODAY, { topic: 'sso', sentiment: 'negative' }));
    applyEvent(state, event('support.ticket_opened', TODAY, { topic: 'Escalation' }));
    applyEvent(state, event('support.ticket_opened', TODAY, { topic: 'sso', severity: 'low', sentiment: 'neutral' }));
    expect(state.escalationsByDay).toEqual({ [TODAY]: 3 });
    expect(state.ticketTopics).toEqual({ sso: [TODAY, TODAY, TODAY], escalation: [TODAY] });
  });

  it('takes plan limits from a subscription change, keeping positive numbers only', () => {
    const state = emptyAccountState('acme');
    applyEvent(state, event('subscription.changed', TODAY, { plan: 'pro', limits: { projects: 50, seats: 0, exports: 'many', api_calls: 1e6 } }));
    expect(state.attributes.limits).toEqual({ projects: 50, api_calls: 1e6 });
  });
});

describe('ownership attributes (issue 13: only from trusted sources)', () => {
  const ownership = { csmId: 'csm-mallory', team: 'apac', tier: 'enterprise', plan: 'pro', seats: 12 };

  it('applies telemetry traits but not ownership from an untrusted account.updated or subscription.changed', () => {
    const state = emptyAccountState('acme');
    applyEvent(state, event('account.updated', TODAY, { traits: ownership }));
    applyEvent(state, event('subscription.changed', TODAY, { ...ownership, mrr: 900 }));
    expect(state.attributes).toEqual({ plan: 'pro', seats: 12, mrr: 900 });
  });

  it('applies ownership from an event ingestion marked trusted, and unassigns on an explicit null', () => {
    const state = emptyAccountState('acme');
    applyEvent(state, { ...event('account.updated', TODAY, { traits: ownership }), trustedAttributes: true });
    expect(state.attributes).toMatchObject({ csmId: 'csm-mallory', team: 'apac', tier: 'enterprise', plan: 'pro' });
    applyEvent(state, { ...event('account.updated', TODAY, { traits: { csmId: null } }), trustedAttributes: true });
    expect(state.attributes.csmId).toBeUndefined();
    expect(state.attributes.team).toBe('apac');
  });
});
