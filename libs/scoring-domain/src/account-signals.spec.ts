import type { TelemetryEvent } from '@bellwether/contracts';
import { deriveAccountSignals } from './account-signals';
import { applyEvent, emptyAccountState, type AccountState } from './account-state';
import { defaultScorecard, type Scorecard } from './scorecard';
import { isoDay } from './time';

/** 2026-03-28, day 18 of the 30-day period that starts on 2026-03-08 (epoch day 20520). */
const TODAY = 20_540;
const asOf = `${isoDay(TODAY)}T12:00:00.000Z`;

let sequence = 0;
function event(type: string, day: number, properties: TelemetryEvent['properties'] = {}, userId?: string): TelemetryEvent {
  sequence += 1;
  const timestamp = `${isoDay(day)}T10:00:00.000Z`;
  return { schemaVersion: 1, id: `e${sequence}`, type, accountId: 'acme', ...(userId ? { userId } : {}), timestamp, receivedAt: timestamp, source: 'native', properties };
}

function stateWith(events: readonly TelemetryEvent[], scorecard: Scorecard = defaultScorecard): AccountState {
  const state = emptyAccountState('acme');
  for (const e of events) applyEvent(state, e, scorecard.signals);
  return state;
}

const signalsOf = (events: readonly TelemetryEvent[], scorecard: Scorecard = defaultScorecard) => deriveAccountSignals(stateWith(events, scorecard), asOf, scorecard);

describe('deriveAccountSignals', () => {
  describe('gated-feature attempts (14 days, today included)', () => {
    it('counts an attempt exactly 13 days back, not 14', () => {
      const signals = signalsOf([
        event('feature.gated', TODAY - 14, { feature: 'sso' }),
        event('feature.gated', TODAY - 13, { feature: 'audit_log' }),
        event('feature.gated', TODAY, { feature: 'sso' }),
      ]);
      expect(signals.gatedAttempts14).toBe(2);
      expect(signals.gatedFeatures14).toEqual(['sso', 'audit_log']);
    });

    it('names at most 10 features, most recent first', () => {
      const events = [...Array(12).keys()].map((n) => event('feature.gated', TODAY - n, { feature: `f${String(n).padStart(2, '0')}` }));
      const signals = signalsOf(events);
      expect(signals.gatedAttempts14).toBe(12);
      expect(signals.gatedFeatures14).toEqual(['f00', 'f01', 'f02', 'f03', 'f04', 'f05', 'f06', 'f07', 'f08', 'f09']);
    });
  });

  describe('pricing page views (7 days)', () => {
    it('counts views of the configured pricing paths from 6 days back, not 7', () => {
      const signals = signalsOf([
        event('page.viewed', TODAY - 7, { path: '/pricing' }),
        event('page.viewed', TODAY - 6, { path: '/pricing' }),
        event('page.viewed', TODAY - 1, { path: '/plans/enterprise' }),
        event('page.viewed', TODAY, { path: 'https://app.example.com/Upgrade?from=banner' }),
        event('page.viewed', TODAY, { path: '/pricingfaq' }),
        event('page.viewed', TODAY, { path: '/dashboard' }),
      ]);
      expect(signals.pricingViews7).toBe(3);
    });

    it('follows the scorecard’s pricing paths', () => {
      const scorecard: Scorecard = { ...defaultScorecard, signals: { ...defaultScorecard.signals, pricingPaths: ['/billing/plans'] } };
      const signals = signalsOf([event('page.viewed', TODAY, { path: '/pricing' }), event('page.viewed', TODAY, { path: '/billing/plans' })], scorecard);
      expect(signals.pricingViews7).toBe(1);
    });
  });

  describe('usage vs limits', () => {
    it('keeps the latest report per metric with its own or the plan’s limit, highest ratio first', () => {
      const signals = signalsOf([
        event('subscription.changed', TODAY - 40, { plan: 'pro', limits: { projects: 50, storage_gb: 100 } }),
        event('usage.reported', TODAY - 3, { metric: 'api_calls', value: 9500, limit: 10_000 }),
        event('usage.reported', TODAY - 2, { metric: 'projects', value: 20 }),
        event('usage.reported', TODAY - 1, { metric: 'projects', value: 46 }),
        event('usage.reported', TODAY - 5, { metric: 'projects', value: 49 }), // older, arrives late: ignored
        event('usage.reported', TODAY, { metric: 'exports', value: 3 }), // no limit anywhere: left out
      ]);
      expect(signals.usage).toEqual([
        { metric: 'api_calls', value: 9500, limit: 10_000, ratio: 0.95, at: isoDay(TODAY - 3) },
        { metric: 'projects', value: 46, limit: 50, ratio: 0.92, at: isoDay(TODAY - 1) },
      ]);
    });
  });

  describe('active users by fixed 30-day period', () => {
    it('puts the last day before a period boundary in the previous period and the boundary day in this one', () => {
      const periodStart = 20_520;
      const signals = signalsOf([
        event('session.started', periodStart - 31, {}, 'two-periods-ago'),
        event('session.started', periodStart - 30, {}, 'u1'),
        event('session.started', periodStart - 1, {}, 'u2'),
        event('session.started', periodStart - 1, {}, 'u3'),
        event('session.started', periodStart, {}, 'u2'),
        event('session.started', TODAY, {}, 'u4'),
      ]);
      expect(signals.activeUsers).toEqual({ last7: 1, last30: 3, thisPeriod: 2, previousPeriod: 3, periodStart: '2026-03-08', seats: null, seatsReducedAt: null, sinceSeatsReduced: null });
    });
  });

  describe('feature contraction', () => {
    it('lists key features last used 30–59 days back (days 31–60), in scorecard order', () => {
      const signals = signalsOf([
        event('feature.used', TODAY - 60, { feature: 'api' }),
        event('feature.used', TODAY - 59, { feature: 'automation' }),
        event('feature.used', TODAY - 30, { feature: 'reports' }),
        event('feature.used', TODAY - 29, { feature: 'dashboards' }),
        event('feature.used', TODAY - 45, { feature: 'not-a-key-feature' }),
      ]);
      expect(signals.features).toEqual({ keyUsed30: 1, keyConfigured: 5, contracted: ['reports', 'automation'] });
    });
  });

  describe('support', () => {
    it('counts tickets, the weekly baseline, the top topic and escalations in their windows', () => {
      const signals = signalsOf([
        event('session.started', TODAY - 40),
        event('support.ticket_opened', TODAY - 30, { ticketId: 't0', topic: 'sso', severity: 'urgent' }),
        event('support.ticket_opened', TODAY - 20, { ticketId: 't1', topic: 'SSO' }),
        event('support.ticket_opened', TODAY - 8, { ticketId: 't2', topic: 'billing', sentiment: 'negative' }),
        event('support.ticket_opened', TODAY - 7, { ticketId: 't3', topic: 'sso' }),
        event('support.ticket_opened', TODAY - 2, { ticketId: 't4', topic: 'billing' }),
        event('support.ticket_opened', TODAY - 1, { ticketId: 't5', topic: 'complaint' }),
        event('support.ticket_opened', TODAY, { ticketId: 't6', topic: 'export', severity: 'low' }),
      ]);
      expect(signals.support).toEqual({
        tickets7: 3,
        tickets30: 6,
        // t0–t3 fall in the 28 days before the last 7 (days 34–7 back): 4 tickets / 4 weeks.
        weeklyBaseline: 1,
        topTopic: { topic: 'billing', count30: 2 },
        escalations30: 2,
        lastEscalationAt: isoDay(TODAY - 1),
      });
    });

    it('has no baseline with less than 14 days of history', () => {
      // 14 days of history before the last 7 (days 20–7 back): one ticket in two weeks.
      expect(signalsOf([event('support.ticket_opened', TODAY - 20, { topic: 'sso' })]).support.weeklyBaseline).toBe(0.5);
      expect(signalsOf([event('session.started', TODAY - 20)]).support.weeklyBaseline).toBe(0);
      expect(signalsOf([event('session.started', TODAY - 19)]).support.weeklyBaseline).toBeNull();
    });

    it('breaks top-topic ties by the most recent ticket, then by name', () => {
      const signals = signalsOf([
        event('support.ticket_opened', TODAY - 3, { topic: 'b' }),
        event('support.ticket_opened', TODAY - 3, { topic: 'a' }),
        event('support.ticket_opened', TODAY - 5, { topic: 'c' }),
      ]);
      expect(signals.support.topTopic).toEqual({ topic: 'a', count30: 1 });
    });

    it('follows the scorecard’s escalation markers', () => {
      const scorecard: Scorecard = { ...defaultScorecard, signals: { ...defaultScorecard.signals, escalationSeverities: ['p1'], escalationTopics: [] } };
      const signals = signalsOf([event('support.ticket_opened', TODAY, { severity: 'P1' }), event('support.ticket_opened', TODAY, { topic: 'complaint' })], scorecard);
      expect(signals.support.escalations30).toBe(1);
    });
  });

  it('carries the latest NPS response with its category, instant and comment', () => {
    const signals = signalsOf([
      event('nps.responded', TODAY - 9, { score: 9 }),
      event('nps.responded', TODAY - 2, { score: 4, comment: '  Exports keep failing  ' }),
    ]);
    expect(signals.nps).toEqual({ score: 4, category: 'detractor', at: `${isoDay(TODAY - 2)}T10:00:00.000Z`, comment: 'Exports keep failing' });
    expect(signalsOf([]).nps).toBeNull();
  });

  it('dates billing trouble and lists what is still open', () => {
    const signals = signalsOf([
      event('billing.payment_failed', TODAY - 10),
      event('billing.payment_succeeded', TODAY - 5),
      event('billing.invoice_overdue', TODAY - 3),
      event('subscription.downgrade_requested', TODAY - 1),
    ]);
    expect(signals.billing).toEqual({
      trouble: ['invoice_overdue', 'downgrade_requested'],
      paymentFailedAt: isoDay(TODAY - 10),
      invoiceOverdueAt: isoDay(TODAY - 3),
      downgradeRequestedAt: isoDay(TODAY - 1),
    });
  });

  it('counts engagement in the last 30 days and the 30 before them', () => {
    const signals = signalsOf([
      event('engagement.email_opened', TODAY - 60),
      event('engagement.email_opened', TODAY - 59),
      event('engagement.email_opened', TODAY - 30),
      event('engagement.email_opened', TODAY - 29),
      event('engagement.event_attended', TODAY - 45),
      event('community.posted', TODAY),
    ]);
    expect(signals.engagement).toEqual({ emailOpens30: 1, emailOpensPrevious30: 2, eventsAttended30: 0, eventsAttendedPrevious30: 1, communityPosts30: 1 });
  });

  it('tracks onboarding progress days, CSM attention and the contract', () => {
    const signals = signalsOf([
      event('subscription.changed', TODAY - 30, { plan: 'team', seats: 25, mrr: 5000, startDate: isoDay(TODAY - 30), renewalDate: `${isoDay(TODAY + 75)}T00:00:00Z` }),
      event('onboarding.milestone_completed', TODAY - 20, { milestone: 'account_setup' }),
      event('onboarding.milestone_completed', TODAY - 16, { milestone: 'data_connected' }),
      event('onboarding.milestone_completed', TODAY - 2, { milestone: 'account_setup' }), // a repeat is no progress
      event('csm.touchpoint', TODAY - 12, { kind: 'call' }),
    ]);
    expect(signals.onboarding).toEqual({ inOnboarding: true, completed: 2, required: 4, daysSinceLastMilestone: 16, daysSinceStart: 30 });
    expect(signals.csm).toEqual({ daysSinceTouchpoint: 12, lastTouchpointAt: isoDay(TODAY - 12), daysObserved: 30 });
    expect(signals.contract).toEqual({ renewalDate: isoDay(TODAY + 75), renewalInDays: 75, mrr: 5000, arrUsd: 60_000, seats: 25, plan: 'team' });
    expect(signals.activeUsers.seats).toBe(25);
  });

  it('treats a renewal date outside years 0000–9999 as unknown, so the message stays valid', () => {
    const signals = signalsOf([event('subscription.changed', TODAY, { renewalDate: '+010000-01-01T00:00:00Z' })]);
    expect(signals.contract).toMatchObject({ renewalDate: null, renewalInDays: null });
  });

  it('reports unknowns as null, not zero', () => {
    const signals = signalsOf([event('session.started', TODAY)]);
    expect(signals.onboarding.daysSinceLastMilestone).toBeNull();
    expect(signals.csm).toEqual({ daysSinceTouchpoint: null, lastTouchpointAt: null, daysObserved: 0 });
    expect(signals.contract).toEqual({ renewalDate: null, renewalInDays: null, mrr: null, arrUsd: null, seats: null, plan: null });
    expect(signals.activity).toEqual({ last7: 1, last30: 1, weeklyBaseline: null, trend: null });
  });

  it('does not change the state it reads', () => {
    const state = stateWith([event('feature.gated', TODAY, { feature: 'sso' })]);
    const copy = structuredClone(state);
    deriveAccountSignals(state, asOf, defaultScorecard);
    expect(state).toEqual(copy);
  });
});
