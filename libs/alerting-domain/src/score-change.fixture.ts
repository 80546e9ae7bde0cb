import type { AccountSignals, ScoreChanged, ScoreSnapshot } from '@bellwether/contracts';
import { scoreChanged, scoreSnapshot } from '@bellwether/testing';
import type { AlertRuleConfig } from './rule-config';

// Test fixtures for the specs beside this file (not exported from the lib's entry point).

/** A score snapshot (see `scoreSnapshot` of libs/testing): 72, green, churn risk 0.2, unless overridden. */
export const snapshot = scoreSnapshot;

/** A score change of `acc-1` owned by `csm-9` (libs/testing's `scoreChanged`) with one product-usage reason. */
export function scoreChange(overrides: Partial<ScoreChanged> = {}): ScoreChanged {
  return scoreChanged({ reasons: ['product_usage fell: 2 weekly active users of 20 seats'], ...overrides });
}

export function ruleConfig(overrides: Partial<AlertRuleConfig> = {}): AlertRuleConfig {
  return { id: 'health_entered_red', version: 1, category: 'risk', severity: 'critical', enabled: true, cooldownHours: 24, autoResolve: true, params: {}, ...overrides };
}

type SignalOverrides = { [K in keyof AccountSignals]?: AccountSignals[K] extends readonly unknown[] | number | null ? AccountSignals[K] : Partial<AccountSignals[K]> };

/**
 * Signals of a calm account (no signal rule fires) for a change on 2026-03-02; each section
 * of `overrides` is merged into the calm one (arrays, numbers and null replace).
 */
export function accountSignals(overrides: SignalOverrides = {}): AccountSignals {
  const calm: AccountSignals = {
    activity: { last7: 70, last30: 300, weeklyBaseline: 70, trend: 1 },
    activeUsers: { last7: 8, last30: 10, thisPeriod: 9, previousPeriod: 10, periodStart: '2026-02-06', seats: 20 },
    features: { keyUsed30: 3, keyConfigured: 5, contracted: [] },
    usage: [],
    gatedAttempts14: 0,
    gatedFeatures14: [],
    pricingViews7: 0,
    support: { tickets7: 0, tickets30: 1, weeklyBaseline: 0.5, topTopic: { topic: 'sso', count30: 1 }, escalations30: 0, lastEscalationAt: null },
    nps: { score: 8, category: 'passive', at: '2026-02-20T09:00:00.000Z' },
    billing: { trouble: [], paymentFailedAt: null, invoiceOverdueAt: null, downgradeRequestedAt: null },
    engagement: { emailOpens30: 10, emailOpensPrevious30: 10, eventsAttended30: 1, eventsAttendedPrevious30: 1, communityPosts30: 0 },
    onboarding: { inOnboarding: false, completed: 4, required: 4, daysSinceLastMilestone: 120, daysSinceStart: 200 },
    csm: { daysSinceTouchpoint: 10, lastTouchpointAt: '2026-02-20' },
    contract: { renewalDate: '2026-09-01', renewalInDays: 183, mrr: 2000, arrUsd: 24_000, seats: 20, plan: 'pro' },
    usageLevel: { current: 75, reference: 72, ratio: 1.042 },
    champion: { userId: 'u_42', share: 0.3, events: 380, lastSeenAt: '2026-03-01', daysSinceSeen: 1, othersActive14: 9, weeklyBefore: 70, weeklySince: null },
  };
  const merged: Record<string, unknown> = { ...calm };
  for (const [key, value] of Object.entries(overrides)) {
    const base = (calm as unknown as Record<string, unknown>)[key];
    const mergeable = base !== null && typeof base === 'object' && !Array.isArray(base) && value !== null && typeof value === 'object' && !Array.isArray(value);
    merged[key] = mergeable ? { ...(base as object), ...(value as object) } : value;
  }
  return merged as unknown as AccountSignals;
}

/** A change on 2026-03-02 carrying `accountSignals(overrides)`, with a snapshot override. */
export function signalChange(overrides: SignalOverrides = {}, after: Partial<ScoreSnapshot> = {}): ScoreChanged {
  return scoreChange({ after: snapshot(after), signals: accountSignals(overrides) });
}
