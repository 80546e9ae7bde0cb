import type { ScoreChanged, ScoreSnapshot } from '@bellwether/contracts';
import type { AlertRuleConfig } from './rule-config';

// Test fixtures for the specs beside this file (not exported from the lib's entry point).

export function snapshot(overrides: Partial<ScoreSnapshot> = {}): ScoreSnapshot {
  return { health: 72, band: 'green', churnRisk: 0.2, segment: 'stable', stage: 'adoption', ...overrides };
}

export function scoreChange(overrides: Partial<ScoreChanged> = {}): ScoreChanged {
  return {
    schemaVersion: 1,
    accountId: 'acc-1',
    changeId: 'acc-1:7',
    sequence: 7,
    eventTime: '2026-03-02T10:00:00.000Z',
    cause: { kind: 'event', eventId: 'evt-1', eventType: 'feature_used' },
    before: snapshot(),
    after: snapshot(),
    drivers: [],
    reasons: ['product_usage fell: 2 weekly active users of 20 seats'],
    scorecardVersion: 'default-2026.1',
    account: { csmId: 'csm-9', mrr: 2000 },
    ...overrides,
  };
}

export function ruleConfig(overrides: Partial<AlertRuleConfig> = {}): AlertRuleConfig {
  return { id: 'health_entered_red', version: 1, category: 'risk', severity: 'critical', enabled: true, cooldownHours: 24, autoResolve: true, params: {}, ...overrides };
}
