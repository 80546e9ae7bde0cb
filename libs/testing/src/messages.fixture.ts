import type { AlertLifecycleEvent, ConfigActivationRecord, IncidentLifecycleEvent, ScoreChanged, ScoreSnapshot, TelemetryEvent } from '@bellwether/contracts';

// Builders of the public messages for tests: a valid message with plain defaults, any field
// overridden. One home, so a new required field is added in one place.

/**
 * A `bellwether.events.v1` message as ingestion publishes it, for tests: a native event from user
 * `u1`, received at its own event time, with no properties unless given. Any field can be
 * overridden (`userId: undefined` for an account-level event).
 */
export function telemetryEvent(fields: Pick<TelemetryEvent, 'id' | 'accountId' | 'type' | 'timestamp'> & Partial<TelemetryEvent>): TelemetryEvent {
  return { schemaVersion: 1, userId: 'u1', receivedAt: fields.timestamp, source: 'native', properties: {}, ...fields };
}

/** A score snapshot: 72, green, churn risk 0.2, stable, adoption, unless overridden. */
export function scoreSnapshot(overrides: Partial<ScoreSnapshot> = {}): ScoreSnapshot {
  return { health: 72, band: 'green', churnRisk: 0.2, segment: 'stable', stage: 'adoption', ...overrides };
}

/** A `bellwether.scores.v1` message: change 7 of `acc-1` on 2026-03-02, green to green, owned by `csm-9`. */
export function scoreChanged(overrides: Partial<ScoreChanged> = {}): ScoreChanged {
  return {
    schemaVersion: 1,
    accountId: 'acc-1',
    changeId: 'acc-1:7',
    sequence: 7,
    eventTime: '2026-03-02T10:00:00.000Z',
    cause: { kind: 'event', eventId: 'evt-1', eventType: 'feature_used' },
    before: scoreSnapshot(),
    after: scoreSnapshot(),
    drivers: [],
    reasons: [],
    scorecardVersion: 'default-2026.1',
    account: { csmId: 'csm-9', mrr: 2000 },
    ...overrides,
  };
}

/**
 * A `bellwether.alerts.v1` message: `health_entered_red` opened (risk, high, priority 8) for
 * `acc_1` in `csm:csm-1` on 2026-07-01; its event id is `<alertId>:<revision>` unless given.
 */
export function alertLifecycleEvent(overrides: Partial<AlertLifecycleEvent> = {}): AlertLifecycleEvent {
  const alertId = overrides.alertId ?? 'al_1';
  const revision = overrides.revision ?? 1;
  return {
    schemaVersion: 1,
    eventId: `${alertId}:${revision}`,
    kind: 'opened',
    alertId,
    revision,
    accountId: 'acc_1',
    rule: 'health_entered_red',
    category: 'risk',
    severity: 'high',
    priority: 8,
    queue: 'csm:csm-1',
    status: 'open',
    evidence: ['health 35'],
    occurredAt: '2026-07-01T10:00:00.000Z',
    ...overrides,
  };
}

/**
 * A `bellwether.incidents.v1` message: a risk incident (high, priority 8, rule
 * `activity_dropped`) opened for `acc_1` in `csm:csm-1` on 2026-07-01; its event id is
 * `<incidentId>:<revision>` unless given.
 */
export function incidentLifecycleEvent(overrides: Partial<IncidentLifecycleEvent> = {}): IncidentLifecycleEvent {
  const incidentId = overrides.incidentId ?? 'in_1';
  const revision = overrides.revision ?? 1;
  const at = '2026-07-01T10:00:00.000Z';
  return {
    schemaVersion: 1,
    eventId: `${incidentId}:${revision}`,
    kind: 'opened',
    incidentId,
    revision,
    accountId: 'acc_1',
    category: 'risk',
    severity: 'high',
    priority: 8,
    queue: 'csm:csm-1',
    status: 'open',
    openedAt: at,
    ruleIds: ['activity_dropped'],
    rules: [],
    occurredAt: at,
    ...overrides,
  };
}

/** A `bellwether.config-activations.v1` record of `kind` activating `version` with `body` from `effectiveFrom` (activated by key id `KEYID`). */
export function configActivationRecord(kind: ConfigActivationRecord['kind'], version: string, body: Record<string, unknown>, effectiveFrom: string, activatedAt: string): ConfigActivationRecord {
  return { schemaVersion: 1, kind, version, body, effectiveFrom, activatedAt, activatedBy: 'KEYID' };
}
