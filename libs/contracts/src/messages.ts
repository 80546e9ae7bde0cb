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
  /**
   * Set (to `true`) by ingestion alone, only on events it accepted from a trusted source: a key
   * with the `accounts:write` scope, or its admin accounts API. Ownership attributes
   * (`ownershipAttributes`: csmId, team, tier) and the account's economics
   * (`accountEconomicsAttributes`: cacUsd, grossMarginPct) apply only from such events. No client
   * field maps to it; absent on everything else.
   */
  readonly trustedAttributes?: true;
}

/**
 * Account attributes that decide who sees an account (the owner CSM, the team, the tier queue).
 * Only trusted sources may set them (see `TelemetryEvent.trustedAttributes` and docs/security.md).
 */
export const ownershipAttributes = ['csmId', 'team', 'tier'] as const;
export type OwnershipAttribute = (typeof ownershipAttributes)[number];

/**
 * Account attributes that drive the portfolio KPIs' unit economics (LTV/CAC, LTV), carried as
 * `account.updated` traits: `cacUsd`, the cost to acquire the account in USD (a number ≥ 0), and
 * `grossMarginPct`, its gross margin as a fraction in [0, 1] (0.8 = 80 %); `null` clears either.
 * Like ownership, only trusted sources may set them (`TelemetryEvent.trustedAttributes`): a
 * money figure that moves a KPI is not telemetry (docs/security.md, "Trust model").
 */
export const accountEconomicsAttributes = ['cacUsd', 'grossMarginPct'] as const;
export type AccountEconomicsAttribute = (typeof accountEconomicsAttributes)[number];

/** Every attribute only a trusted source may set: ownership, then economics. */
export const trustedOnlyAttributes = [...ownershipAttributes, ...accountEconomicsAttributes] as const;
export type TrustedOnlyAttribute = (typeof trustedOnlyAttributes)[number];

/** Health bands, best first (product.md, "Health score"). The schemas' enums and the types come from these lists. */
export const HEALTH_BANDS = ['green', 'yellow', 'red'] as const;
export type HealthBand = (typeof HEALTH_BANDS)[number];

/** Customer segments, best first (product.md, "Segments"). */
export const SEGMENTS = ['loyal', 'stable', 'at_risk'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** Lifecycle stages, in the order an account passes them (product.md, "Lifecycle"). */
export const LIFECYCLE_STAGES = ['onboarding', 'adoption', 'growth', 'renewal', 'reactivation'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** One measure's part in a health score. */
export interface ScoreDriver {
  readonly measure: string;
  /** The measure's own 0–100 score. */
  readonly score: number;
  readonly weight: number;
  /**
   * Points this measure adds to the health score: score × weight / the weight of the measures
   * that have data (so the contributions add up to health); 0 for a measure without data.
   * (Before issue 15 every measure had data and the divisor was the total weight.)
   */
  readonly contribution: number;
  /**
   * Present (true) when the measure has too little history to judge (a week-old account's usage,
   * no NPS answer yet…): it does not count in health, its contribution is 0, and `score` is only
   * its provisional reading. See docs/architecture.md "Scoring model".
   */
  readonly insufficientData?: true;
}

export interface ScoreSnapshot {
  /** Weighted mean of the measures that have data (0–100); 50 when none has. */
  readonly health: number;
  readonly band: HealthBand;
  readonly churnRisk: number;
  readonly segment: Segment;
  readonly stage: LifecycleStage;
  /**
   * Present (true) when too little of the scorecard's weight has data (a new account, one whose
   * product telemetry is not connected): health and band are then no opinion. Alert rules over
   * health, band, segment or churn risk ignore such a snapshot; rules over event signals (a failed
   * payment, a detractor) do not. The segment reads only event signals then (never `at_risk` for
   * lack of data).
   */
  readonly insufficientData?: true;
}

/** `bellwether.scores.v1`: a material change of an account's scores. */
export interface ScoreChanged {
  readonly schemaVersion: 1;
  readonly accountId: string;
  /** Stable id of this change (account + sequence), for idempotent consumers. */
  readonly changeId: string;
  readonly sequence: number;
  readonly eventTime: string;
  /**
   * What made the evaluation: an event (`eventId`, `eventType`), the watermark closing a day, or
   * (since issue 18) an admin's re-score of all accounts with the active scorecard (`rescore`).
   */
  readonly cause: { readonly kind: 'event' | 'watermark' | 'rescore'; readonly eventId?: string; readonly eventType?: string };
  readonly before: ScoreSnapshot | null;
  readonly after: ScoreSnapshot;
  readonly drivers: readonly ScoreDriver[];
  /** Top human-readable reasons for the movement, most important first. */
  readonly reasons: readonly string[];
  readonly scorecardVersion: string;
  readonly account: {
    readonly csmId?: string;
    readonly mrr?: number;
    readonly plan?: string;
    /**
     * Event time (ISO-8601) of the `account.churned` event, present while the account is churned:
     * it gets no new alerts and its playbook runs exit. Absent for a customer, including one
     * reactivated since by `account.renewed` or a new subscription (`subscription.changed`).
     */
    readonly churnedAt?: string;
  };
  /**
   * The leading indicators behind the scores, as of `eventTime` (optional: changes published
   * before it existed lack it). Alert rules read them; a consumer must not assume it is present.
   */
  readonly signals?: AccountSignals;
}

/**
 * The signals of product.md as scoring saw them for one score change, in event time. Windows are
 * rolling and end on the day of `eventTime`, inclusive ("last 7" = that day and the 6 before).
 * Dates (`…At` fields) are UTC calendar days `YYYY-MM-DD`, the granularity scoring keeps, except
 * `nps.at`, an ISO-8601 instant. Counts are bounded by the scoring state's caps (documented per
 * field). Additive evolution: new optional fields may appear.
 */
export interface AccountSignals {
  readonly activity: {
    /** Activity events (product use, not billing/CRM/CSM events) in the last 7 and 30 days. */
    readonly last7: number;
    readonly last30: number;
    /** Average events per week over the 28 days before the last 7; null with < 14 days of history. */
    readonly weeklyBaseline: number | null;
    /** last7 / weeklyBaseline (0 = silent, 1 = steady); null without a baseline. */
    readonly trend: number | null;
  };
  readonly activeUsers: {
    /** Distinct users active in the last 7 / 30 days. */
    readonly last7: number;
    readonly last30: number;
    /**
     * Distinct users active in the current fixed 30-day period (period = ⌊epoch day / 30⌋, so a
     * period that has just begun holds few users) and in the whole previous period.
     */
    readonly thisPeriod: number;
    readonly previousPeriod: number;
    /** First day of the current period (the previous one starts 30 days earlier). */
    readonly periodStart: string;
    /** Licensed seats, when known. */
    readonly seats: number | null;
    /**
     * Day of the latest seat reduction (seats set below the seats in force before), when it is
     * within the last 30 days; null otherwise. Absent in changes published before issue 15.
     */
    readonly seatsReducedAt?: string | null;
    /**
     * Distinct users active after the day of that reduction (up to eventTime): the users a cut
     * plan still serves, since users active only before it may be the ones who left. Null when
     * there is no reduction in the last 30 days.
     */
    readonly sinceSeatsReduced?: number | null;
  };
  readonly features: {
    /** Distinct key features used in the last 30 days, of the scorecard's configured ones. */
    readonly keyUsed30: number;
    readonly keyConfigured: number;
    /** Key features last used 31–60 days ago: used before, not in the last 30 days. */
    readonly contracted: readonly string[];
  };
  /** Latest `usage.reported` per metric that has a limit (its own or the plan's), highest ratio first. */
  readonly usage: readonly UsageSignal[];
  /** `feature.gated` events in the last 14 days, and which gated features were tried (≤ 10, by name). */
  readonly gatedAttempts14: number;
  readonly gatedFeatures14: readonly string[];
  /** `page.viewed` on a configured pricing/upgrade path in the last 7 days. */
  readonly pricingViews7: number;
  readonly support: {
    readonly tickets7: number;
    readonly tickets30: number;
    /** Tickets per week over the 28 days before the last 7; null with < 14 days of history. */
    readonly weeklyBaseline: number | null;
    /** The topic with most tickets in 30 days (ties: most recent, then name). */
    readonly topTopic: { readonly topic: string; readonly count30: number } | null;
    /** Complaints/escalations (configured severities, negative sentiment, complaint topics) in 30 days. */
    readonly escalations30: number;
    readonly lastEscalationAt: string | null;
  };
  /** The latest NPS response. */
  readonly nps: { readonly score: number; readonly category: 'promoter' | 'passive' | 'detractor'; readonly at: string; readonly comment?: string } | null;
  readonly billing: {
    /** Billing trouble still open (not cleared by a later payment, within the scorecard's memory). */
    readonly trouble: readonly ('payment_failed' | 'invoice_overdue' | 'downgrade_requested')[];
    /** Day of the latest such event, open or not. */
    readonly paymentFailedAt: string | null;
    readonly invoiceOverdueAt: string | null;
    readonly downgradeRequestedAt: string | null;
  };
  readonly engagement: {
    /** Last 30 days, and the 30 days before them (days 31–60). */
    readonly emailOpens30: number;
    readonly emailOpensPrevious30: number;
    readonly eventsAttended30: number;
    readonly eventsAttendedPrevious30: number;
    readonly communityPosts30: number;
  };
  readonly onboarding: {
    /** Within the onboarding period and not all required milestones done. */
    readonly inOnboarding: boolean;
    readonly completed: number;
    readonly required: number;
    /**
     * Days since the last new milestone; null before the first one. For an account scored before
     * milestone days were kept, counted from when they began to be kept (a lower bound).
     */
    readonly daysSinceLastMilestone: number | null;
    /** Days since the contract start (or the first event when no start is known). */
    readonly daysSinceStart: number | null;
  };
  readonly csm: {
    /**
     * Days since the last `csm.touchpoint`; null when none was ever seen. For an account scored
     * before touchpoints were kept, counted from when they began to be kept (a lower bound).
     */
    readonly daysSinceTouchpoint: number | null;
    readonly lastTouchpointAt: string | null;
    /**
     * Days since Bellwether first observed the account (its first event of any kind: activity,
     * touchpoint, billing, CRM); null before any. With no touchpoint known, neglect counts from
     * here rather than from a contract start long before the account's history began. Absent in
     * changes published before issue 15.
     */
    readonly daysObserved?: number | null;
  };
  readonly contract: {
    readonly renewalDate: string | null;
    /** Days until the renewal date (negative once it passed); null when unknown. */
    readonly renewalInDays: number | null;
    readonly mrr: number | null;
    /** mrr × 12. */
    readonly arrUsd: number | null;
    readonly seats: number | null;
    readonly plan: string | null;
  };
  /**
   * Usage now against the account's own 90-day level, a reference a slow decline does not drag
   * down (absent on changes published before it existed; null with less than 6 weeks of history
   * or no activity in 90 days). Activity events per week.
   */
  readonly usageLevel?: {
    /** The best 7-day window of the last 28 days (events): absences up to 3 weeks do not lower it. */
    readonly current: number;
    /** The best 28-day window of the last 90 days, per week. */
    readonly reference: number;
    /** current / reference. */
    readonly ratio: number;
  } | null;
  /**
   * The account's most active user over the last 13 weeks and whether they are still around
   * (absent on changes published before it existed; null with less than 6 weeks of per-user
   * history or no identified user). A lost champion: a large share, unseen for weeks while others
   * are still active, and the account's activity fell since.
   */
  readonly champion?: {
    readonly userId: string;
    /** Their share of the account's activity events over the 13 weeks (0–1). */
    readonly share: number;
    /** Their activity events over the 13 weeks. */
    readonly events: number;
    readonly lastSeenAt: string;
    readonly daysSinceSeen: number;
    /** Other users active in the last 14 days. */
    readonly othersActive14: number;
    /** The account's activity events per week in the 28 days up to the champion's last day. */
    readonly weeklyBefore: number;
    /** The account's activity events per week since the champion's last day; null until 7 days passed. */
    readonly weeklySince: number | null;
  } | null;
  /**
   * Key features (the scorecard's) whose owner is gone: the user with ≥ 50% of the feature's uses
   * over 13 weeks, not seen for ≥ 14 days, and the feature's weekly uses in the complete weeks
   * since ≤ 50% of the 4 weeks before. Highest share first, at most 10. Absent on changes
   * published before it existed; null with less than 6 weeks of per-user history.
   */
  readonly keyFeatureOwnersLost?: readonly {
    readonly feature: string;
    readonly userId: string;
    /** The owner's share of the feature's uses (0–1). */
    readonly share: number;
    readonly lastSeenAt: string;
    readonly daysSinceSeen: number;
    readonly weeklyUsesBefore: number;
    readonly weeklyUsesSince: number;
  }[] | null;
}

/** One metric's latest reported usage against its limit. */
export interface UsageSignal {
  readonly metric: string;
  readonly value: number;
  readonly limit: number;
  /** value / limit. */
  readonly ratio: number;
  /** Day of the report. */
  readonly at: string;
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
  /**
   * The incident the alert belongs to (`bellwether.incidents.v1`), when it belongs to one.
   * Optional: events of alerts from before incidents existed lack it.
   */
  readonly incidentId?: string;
  /**
   * Version of alerting's rule set (RULES_FILE, or the built-in default such as
   * `default-2026.3`) under which a score change last opened, updated or resolved the alert; a
   * person's action or an escalation carries the alert's. Optional (additive): events of alerts
   * stored before versions were recorded lack it.
   */
  readonly ruleSetVersion?: string;
}

/** One rule of an incident: its alert's rule, severity, status and evidence. */
export interface IncidentRuleEntry {
  readonly rule: string;
  readonly alertId: string;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  readonly evidence: readonly string[];
}

/**
 * `bellwether.incidents.v1`: one step in an incident's life. An incident groups an account's
 * active alerts of one category (Alertmanager-style grouping by account and category): a CSM's
 * queue shows one risk incident and one expansion opportunity per account. Its severity is the
 * highest of its active alerts; it opens with its group's first alert and resolves with its last.
 */
export interface IncidentLifecycleEvent {
  readonly schemaVersion: 1;
  /** Unique per lifecycle step: `<incidentId>:<revision>`. */
  readonly eventId: string;
  readonly kind: AlertLifecycleKind;
  readonly incidentId: string;
  readonly revision: number;
  readonly accountId: string;
  readonly category: AlertCategory;
  readonly severity: AlertSeverity;
  readonly priority: number;
  readonly queue: string;
  /** Set once one of its alerts escalated: the manager queue it now also sits in. */
  readonly escalatedTo?: string;
  readonly csmId?: string;
  readonly status: AlertStatus;
  readonly outcome?: AlertOutcome;
  /** Event time of its first alert. */
  readonly openedAt: string;
  readonly resolvedAt?: string;
  /** Every rule that fired into it, in order of first appearance. */
  readonly ruleIds: readonly string[];
  /** Its alerts, active first (highest severity first), then resolved. */
  readonly rules: readonly IncidentRuleEntry[];
  readonly occurredAt: string;
}

export type PlaybookRunEventKind = 'run.started' | 'step.done' | 'task.created' | 'run.parked' | 'run.ended';
export type RunOutcome = 'recovered' | 'churned' | 'expanded' | 'completed' | 'failed';

/** `bellwether.playbook-runs.v1`. */
export interface PlaybookRunEvent {
  readonly schemaVersion: 1;
  readonly eventId: string;
  readonly kind: PlaybookRunEventKind;
  readonly runId: string;
  readonly playbookId: string;
  readonly playbookVersion: number;
  /**
   * The version of the set of playbooks (issue 18 §1, playbook's `/v1/admin/playbooks`) in force
   * at the trigger's event time, which started the run. Absent on runs started before versions.
   */
  readonly playbooksVersion?: string;
  readonly accountId: string;
  readonly stepId?: string;
  readonly task?: { readonly taskId: string; readonly role: string; readonly title: string; readonly queue: string; readonly dueAt: string };
  readonly outcome?: RunOutcome;
  /** Why a run was parked (a step kept failing); an operator can see and retry it. */
  readonly error?: string;
  readonly occurredAt: string;
}

/**
 * `CLOCK_MODE` (contracts.md, "Configuration"): `wall` for live traffic, where the wall clock ticks
 * and timers follow it; `event` for replays and simulations, where only event time counts and
 * timers follow the pipeline watermark.
 */
export type ClockMode = 'wall' | 'event';

/** `bellwether.clock.v1`: the wall clock as a watermark, in live mode only. */
export interface ClockTick {
  readonly schemaVersion: 1;
  readonly watermark: string;
}

/**
 * `bellwether.watermarks.v1` (internal, compacted, key `pipeline`): scoring's pipeline watermark,
 * the minimum over the events topic's partitions (docs/architecture.md, "Event time"). Published
 * each time it advances. Alerting's SLA and snooze timers and playbook's waits read it as their
 * clock in event mode (CLOCK_MODE=event); in wall mode they use the wall clock.
 */
export interface PipelineWatermark {
  readonly schemaVersion: 1;
  /** Event time (ISO-8601) up to which every partition of the events topic has been read. */
  readonly watermark: string;
  /** The last day boundary (00:00 UTC) whose day every account has been scored through, or null before the first. */
  readonly closedThrough: string | null;
}

/**
 * `accounts:write`: the key's events may change account ownership (csmId, team, tier), e.g. a
 * CRM sync. It does not let the key send events by itself (that is `ingest`).
 */
export type ApiKeyScope = 'ingest' | 'integrator' | 'csm' | 'manager' | 'admin' | 'accounts:write';

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

/**
 * `bellwether.config-activations.v1` (internal, compacted, keyed by `kind`): the newest activation
 * (or rollback) of a versioned configuration, from its owning service's admin API (issue 18 §1).
 * `body` is the version's configuration as stored (for a scorecard: what `scorecardFromConfig`
 * accepts; for an alert rule set, kind `rule-set`: what `ruleSetFromConfig` accepts; for the playbooks: `{ version, playbooks }`, what `validatePlaybookSet` accepts); it applies to evaluations at or after `effectiveFrom`, an event time (the pipeline
 * watermark when it was activated), so a replay switches at the same point on every replica.
 */
export interface ConfigActivationRecord {
  readonly schemaVersion: 1;
  /** `scorecard` (scoring), `rule-set` (alerting: an alert rule set), `playbooks` (playbook: the whole set of playbooks, as `{ version, playbooks }`). */
  readonly kind: 'scorecard' | 'rule-set' | 'playbooks';
  readonly version: string;
  readonly body: Readonly<Record<string, unknown>>;
  /** ISO-8601 event time from which the version is in force. */
  readonly effectiveFrom: string;
  /** ISO-8601 wall time of the activation. */
  readonly activatedAt: string;
  /** The API key id that activated it. */
  readonly activatedBy: string;
}

/**
 * `bellwether.directory.v1` (internal, compacted, keyed by `<kind>:<id>`): the latest state of one
 * directory entry, kept by ingestion's admin API.
 * - `kind: 'csm'`: CSM `id` belongs to `team` (null: in no team);
 * - `kind: 'team'`: team `id`, with the ids of its `managers` (who oversees it).
 * A removed entry is published once more with `deleted: true` (and no `email`).
 */
export interface DirectoryRecord {
  readonly schemaVersion: 1;
  readonly kind: 'csm' | 'team';
  readonly id: string;
  readonly team: string | null;
  readonly managers: readonly string[];
  /**
   * `kind: 'csm'` only: the CSM's email address (`emailAddressSchema`, addr-spec), where playbook
   * email steps for their accounts go; null or absent (records before issue 18 §4): none. Personal
   * data on an internal topic (docs/security.md).
   */
  readonly email?: string | null;
  readonly deleted: boolean;
  readonly updatedAt: string;
}
