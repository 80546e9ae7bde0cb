/**
 * Message values of the public topics. Every value carries `schemaVersion`; consumers must
 * ignore fields they do not know (additive evolution).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `bellwether.events.v1`: a normalized, deduplicated telemetry event. */
export interface TelemetryEvent {
  readonly schemaVersion: 1;
  readonly id: string;
  readonly type: string;
  readonly accountId: string;
  readonly userId?: string;
  /** Event time, ISO-8601 UTC. Scores follow this clock, never the wall clock. */
  readonly timestamp: string;
  /** When ingestion accepted it, ISO-8601 UTC. */
  readonly receivedAt: string;
  readonly source: 'native' | 'segment';
  readonly properties: JsonObject;
}

export type HealthBand = 'green' | 'yellow' | 'red';
export type Segment = 'loyal' | 'stable' | 'at_risk';
export type LifecycleStage = 'onboarding' | 'adoption' | 'growth' | 'renewal' | 'reactivation';

/** One measure's part in a health score. */
export interface ScoreDriver {
  readonly measure: string;
  /** The measure's own 0–100 score. */
  readonly score: number;
  readonly weight: number;
  /** Points this measure adds to the health score (score × weight / total weight). */
  readonly contribution: number;
}

export interface ScoreSnapshot {
  readonly health: number;
  readonly band: HealthBand;
  readonly churnRisk: number;
  readonly segment: Segment;
  readonly stage: LifecycleStage;
}

/** `bellwether.scores.v1`: a material change of an account's scores. */
export interface ScoreChanged {
  readonly schemaVersion: 1;
  readonly accountId: string;
  /** Stable id of this change (account + sequence), for idempotent consumers. */
  readonly changeId: string;
  readonly sequence: number;
  readonly eventTime: string;
  readonly cause: { readonly kind: 'event' | 'watermark'; readonly eventId?: string; readonly eventType?: string };
  readonly before: ScoreSnapshot | null;
  readonly after: ScoreSnapshot;
  readonly drivers: readonly ScoreDriver[];
  /** Top human-readable reasons for the movement, most important first. */
  readonly reasons: readonly string[];
  readonly scorecardVersion: string;
  readonly account: { readonly csmId?: string; readonly mrr?: number; readonly plan?: string };
}

export type AlertCategory = 'risk' | 'expansion';
export type AlertSeverity = 'critical' | 'high' | 'medium' | 'low';
export type AlertStatus = 'open' | 'acknowledged' | 'snoozed' | 'resolved';
export type AlertOutcome = 'saved' | 'churned' | 'expanded' | 'not_actionable';
export type AlertLifecycleKind = 'opened' | 'updated' | 'acknowledged' | 'snoozed' | 'resolved' | 'escalated';

/** `bellwether.alerts.v1`: one step in an alert's life. */
export interface AlertLifecycleEvent {
  readonly schemaVersion: 1;
  /** Unique per lifecycle step: `<alertId>:<revision>`. */
  readonly eventId: string;
  readonly kind: AlertLifecycleKind;
  readonly alertId: string;
  readonly revision: number;
  readonly accountId: string;
  readonly rule: string;
  readonly category: AlertCategory;
  readonly severity: AlertSeverity;
  readonly priority: number;
  readonly queue: string;
  /** Set once the alert escalated: the manager queue it now also sits in. */
  readonly escalatedTo?: string;
  readonly csmId?: string;
  readonly status: AlertStatus;
  readonly outcome?: AlertOutcome;
  readonly evidence: readonly string[];
  readonly occurredAt: string;
}

export type PlaybookRunEventKind = 'run.started' | 'step.done' | 'task.created' | 'run.ended';
export type RunOutcome = 'recovered' | 'churned' | 'expanded' | 'completed' | 'failed';

/** `bellwether.playbook-runs.v1`. */
export interface PlaybookRunEvent {
  readonly schemaVersion: 1;
  readonly eventId: string;
  readonly kind: PlaybookRunEventKind;
  readonly runId: string;
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly accountId: string;
  readonly stepId?: string;
  readonly task?: { readonly taskId: string; readonly role: string; readonly title: string; readonly queue: string; readonly dueAt: string };
  readonly outcome?: RunOutcome;
  readonly occurredAt: string;
}

/** `bellwether.clock.v1`: the wall clock as a watermark, in live mode only. */
export interface ClockTick {
  readonly schemaVersion: 1;
  readonly watermark: string;
}

export type ApiKeyScope = 'ingest' | 'integrator' | 'csm' | 'manager' | 'admin';

/**
 * `bellwether.api-keys.v1` (internal, compacted, keyed by key id): the latest state of an API
 * key. Only the SHA-256 of the secret travels; the plaintext exists nowhere but with its owner.
 */
export interface ApiKeyRecord {
  readonly schemaVersion: 1;
  readonly id: string;
  readonly secretSha256: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly csmId: string | null;
  readonly team: string | null;
  readonly revoked: boolean;
  readonly updatedAt: string;
}
