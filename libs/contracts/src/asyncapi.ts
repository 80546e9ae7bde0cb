import { DAY_MS } from './time';
import type { ScoreChanged } from './messages';
import { alertLifecycleEventSchema, apiKeyRecordSchema, incidentLifecycleEventSchema, clockTickSchema, configActivationRecordSchema, directoryRecordSchema, pipelineWatermarkSchema, playbookRunEventSchema, scoreChangedSchema, telemetryEventSchema } from './schemas';
import { deadLetterTopicOf, Topics, topicSpecs, type TopicSpec } from './topics';

/**
 * The AsyncAPI 3.0 document of the Kafka contract, generated from this library (topic specs,
 * JSON Schemas), so it cannot drift from what the services validate. `npm run asyncapi` writes it
 * to docs/asyncapi.yaml; a unit test fails while the checked-in file is stale, and the e2e
 * contract test validates real messages against the schemas embedded in the YAML.
 */

export type AsyncApiDocument = { readonly asyncapi: '3.0.0' } & Record<string, unknown>;

/**
 * `bellwether.account-state.v1`: the latest score state of one account (compacted, so the topic
 * keeps the newest value per key). Derived from the score change schema: same identifiers,
 * snapshot and drivers. Scoring writes it next to every score change (outbox).
 */
export const accountStateSchema = {
  $id: 'https://bellwether.dev/schemas/account-state.v1.json',
  title: Topics.accountState,
  type: 'object',
  required: ['schemaVersion', 'accountId', 'sequence', 'eventTime', 'scores', 'drivers', 'reasons'],
  properties: {
    schemaVersion: scoreChangedSchema.properties.schemaVersion,
    accountId: scoreChangedSchema.properties.accountId,
    sequence: scoreChangedSchema.properties.sequence,
    eventTime: scoreChangedSchema.properties.eventTime,
    scores: scoreChangedSchema.properties.after,
    drivers: scoreChangedSchema.properties.drivers,
    reasons: scoreChangedSchema.properties.reasons,
  },
} as const;

/** Headers every dead letter carries on top of the original record's headers. */
export const deadLetterHeaderNames = ['dlq_reason', 'dlq_step', 'dlq_topic', 'dlq_partition', 'dlq_offset', 'dlq_timestamp', 'dlq_consumer_group'] as const;

const KAFKA_BINDING_VERSION = '0.5.0';

const accountKeySchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: 'The accountId of the message. Every message of one account lands on the same partition, in order.',
} as const;

const clockKeySchema = { type: 'string', const: 'clock', description: 'Always `clock`: the topic has one partition and every tick uses the same key.' } as const;

const pipelineKeySchema = { type: 'string', const: 'pipeline', description: 'Always `pipeline`: one partition, compacted, so the newest watermark is kept.' } as const;

const apiKeyIdSchema = {
  ...apiKeyRecordSchema.properties.id,
  description: 'The API key id (the part of the key between `bwk_` and the next `_`).',
} as const;

const directoryKeySchema = {
  type: 'string',
  pattern: '^(csm|team):[A-Za-z0-9_.-]{1,100}$',
  description: 'The entry: `csm:<csmId>` or `team:<team>`.',
} as const;

const configKindKeySchema = { type: 'string', enum: ['scorecard', 'rule-set', 'playbooks'], description: 'The configuration kind (`scorecard`, `rule-set`, `playbooks`): compacted, so the newest activation of each kind is kept.' } as const;

const keySchemas = { AccountKey: accountKeySchema, ClockKey: clockKeySchema, PipelineKey: pipelineKeySchema, ApiKeyId: apiKeyIdSchema, DirectoryKey: directoryKeySchema, ConfigKindKey: configKindKeySchema } as const;

const idHeader = (name: string, description: string) => ({
  type: 'object',
  required: [name],
  properties: { [name]: { type: 'string', minLength: 1, description } },
});

interface ConsumerDoc {
  readonly service: string;
  /** Its consumer group; none for a reader that tails the whole topic without committing. */
  readonly group?: string;
  /** Why this service reads the topic. */
  readonly purpose: string;
}

interface TopicDoc {
  /** Channel id (and prefix of the operation ids). */
  readonly id: string;
  readonly topic: string;
  readonly title: string;
  /** Component name of the message and of its payload schema. */
  readonly message: string;
  readonly schema: object;
  readonly summary: string;
  /** The service that writes the topic, and how. */
  readonly producer: { readonly service: string; readonly via: string };
  readonly consumers: readonly ConsumerDoc[];
  /** Which Kafka key schema the topic uses. */
  readonly key: 'AccountKey' | 'ClockKey' | 'PipelineKey' | 'ApiKeyId' | 'DirectoryKey' | 'ConfigKindKey';
  readonly headers?: object;
  /** The message id integrators deduplicate on. */
  readonly idempotencyKey: string;
  readonly notes: readonly string[];
  readonly example: object;
  readonly exampleHeaders?: Readonly<Record<string, string>>;
}

const exampleScoreChange: ScoreChanged = {
  schemaVersion: 1,
  accountId: 'acme',
  changeId: 'acme:7',
  sequence: 7,
  eventTime: '2026-03-01T10:00:00.000Z',
  cause: { kind: 'event', eventId: 'evt_1', eventType: 'billing.payment_failed' },
  before: { health: 64.2, band: 'yellow', churnRisk: 0.21, segment: 'stable', stage: 'adoption' },
  after: { health: 38.5, band: 'red', churnRisk: 0.64, segment: 'at_risk', stage: 'adoption' },
  drivers: [
    { measure: 'usage', score: 30, weight: 30, contribution: 9 },
    { measure: 'billing', score: 20, weight: 10, contribution: 2 },
  ],
  reasons: ['payment failed', 'usage down 60% from baseline'],
  scorecardVersion: 'default-2026.2',
  account: { csmId: 'csm-ana', mrr: 5000, plan: 'pro' },
  signals: {
    activity: { last7: 48, last30: 410, weeklyBaseline: 120, trend: 0.4 },
    activeUsers: { last7: 6, last30: 14, thisPeriod: 9, previousPeriod: 17, periodStart: '2026-02-06', seats: 20 },
    features: { keyUsed30: 3, keyConfigured: 5, contracted: ['automation'] },
    usage: [{ metric: 'api_calls', value: 8200, limit: 10000, ratio: 0.82, at: '2026-02-28' }],
    gatedAttempts14: 0,
    gatedFeatures14: [],
    pricingViews7: 0,
    support: { tickets7: 2, tickets30: 5, weeklyBaseline: 0.5, topTopic: { topic: 'sso', count30: 3 }, escalations30: 1, lastEscalationAt: '2026-02-26' },
    nps: { score: 5, category: 'detractor', at: '2026-02-20T09:12:00.000Z', comment: 'SSO keeps breaking' },
    billing: { trouble: ['payment_failed'], paymentFailedAt: '2026-03-01', invoiceOverdueAt: null, downgradeRequestedAt: null },
    engagement: { emailOpens30: 2, emailOpensPrevious30: 9, eventsAttended30: 0, eventsAttendedPrevious30: 1, communityPosts30: 0 },
    onboarding: { inOnboarding: false, completed: 4, required: 4, daysSinceLastMilestone: 160, daysSinceStart: 240 },
    csm: { daysSinceTouchpoint: 38, lastTouchpointAt: '2026-01-22' },
    contract: { renewalDate: '2026-05-01', renewalInDays: 61, mrr: 5000, arrUsd: 60000, seats: 20, plan: 'pro' },
  },
};

const topics: readonly TopicDoc[] = [
  {
    id: 'events',
    topic: Topics.events,
    title: 'Telemetry events',
    message: 'TelemetryEvent',
    schema: telemetryEventSchema,
    summary: 'Normalized, deduplicated product telemetry accepted over HTTP (native or Segment-compatible).',
    producer: { service: 'ingestion', via: 'POST /v1/events and the Segment-compatible endpoints' },
    consumers: [
      { service: 'scoring', group: 'bellwether-scoring', purpose: 'applies events to per-account state and re-scores' },
      { service: 'playbook', group: 'bellwether-playbook-events', purpose: 'projects revenue, NPS and onboarding events, and trusted account economics, into the read model of the portfolio KPIs' },
    ],
    key: 'AccountKey',
    idempotencyKey: '`id` (client-chosen; a half-acknowledged batch that is retried can put an event on the topic twice)',
    notes: [
      'Ingestion answers 202 only after the broker acknowledged every event of the batch (acks=all, idempotent producer).',
      [
        'MRR movements (the revenue KPIs: churn, GRR, NRR) count each change once, with the subscription’s MRR level as the source of truth.',
        '`subscription.changed` `{mrr}` sets the account’s MRR; the difference from the MRR before it is the movement.',
        '`account.expanded` / `account.contracted` `{mrrDelta}` is reconciled against it: when a `subscription.changed` within 7 days of it (before or after) moves the MRR in the same direction, the delta is that movement and adds nothing (the level’s amount counts);',
        'otherwise the delta moves the MRR by |`mrrDelta`| itself, in the direction of its type (the sign of `mrrDelta` is ignored).',
        '`account.churned` takes the MRR to 0 as churn, including a drop to 0 by a `subscription.changed` up to 7 days before it.',
        'Events are ordered by `timestamp`, then `id`, so arrival order and redelivery do not change the KPIs.',
      ].join(' '),
      [
        'Trusted account attributes: ownership (`csmId`, `team`, `tier`) and the account’s economics (`cacUsd`: cost to acquire it in USD, a number ≥ 0; `grossMarginPct`: a fraction in [0, 1]; `null` clears either)',
        'apply only from an event with `trustedAttributes: true`, which ingestion alone sets, on events of its admin accounts API and of keys with the `accounts:write` scope.',
        'The economics travel as `account.updated` `properties.traits`; the portfolio KPIs keep the newest value of each by `timestamp` (LTV/CAC, the MRR-weighted gross margin of LTV).',
        'Ingestion drops these attributes from every other key’s events (with a warning), and consumers ignore them on an unmarked event.',
      ].join(' '),
    ],
    example: {
      schemaVersion: 1,
      id: 'evt_1',
      type: 'feature.used',
      accountId: 'acme',
      userId: 'u_42',
      timestamp: '2026-03-01T10:00:00Z',
      receivedAt: '2026-03-01T10:00:00.412Z',
      source: 'native',
      properties: { feature: 'reports' },
    },
  },
  {
    id: 'scores',
    topic: Topics.scores,
    title: 'Score changes',
    message: 'ScoreChanged',
    schema: scoreChangedSchema,
    summary:
      'A material change of an account’s scores: the band, segment or stage changed, health moved ≥ 1 point or churn risk ≥ 0.02. Carries before/after, drivers, reasons and (optional) the signals behind them.',
    producer: { service: 'scoring', via: 'its outbox relay' },
    consumers: [
      { service: 'alerting', group: 'bellwether-alerting', purpose: 'evaluates the alert rules on every change' },
      { service: 'playbook', group: 'bellwether-playbook', purpose: 'keeps account snapshots and starts segment/stage playbooks' },
    ],
    key: 'AccountKey',
    headers: idHeader('bw-change-id', 'Same as the payload’s `changeId`.'),
    idempotencyKey: '`changeId` (`<accountId>:<sequence>`); `sequence` grows by one per published change of an account, so a value ≤ the last one seen is a redelivery',
    notes: ['Open to integrators: use your own consumer group (see docs/integrators.md).'],
    example: exampleScoreChange,
    exampleHeaders: { 'bw-change-id': exampleScoreChange.changeId },
  },
  {
    id: 'accountState',
    topic: Topics.accountState,
    title: 'Latest account state (compacted)',
    message: 'AccountState',
    schema: accountStateSchema,
    summary: 'The newest scores of every account, written with each score change. Compacted: read it from the beginning to bootstrap a full picture, then follow the scores topic.',
    producer: { service: 'scoring', via: 'its outbox relay' },
    consumers: [],
    key: 'AccountKey',
    headers: idHeader('bw-change-id', 'The `changeId` of the score change this state comes from.'),
    idempotencyKey: '`sequence` (keep the highest per account)',
    notes: [
      'Compaction keeps at least the newest value per key; older values may still be read until the log cleaner runs, so keep the highest `sequence` per account.',
      'No tombstones are written today; treat a null value as “account removed” if one ever appears.',
    ],
    example: {
      schemaVersion: 1,
      accountId: 'acme',
      sequence: 7,
      eventTime: exampleScoreChange.eventTime,
      scores: exampleScoreChange.after,
      drivers: exampleScoreChange.drivers,
      reasons: exampleScoreChange.reasons,
    },
    exampleHeaders: { 'bw-change-id': exampleScoreChange.changeId },
  },
  {
    id: 'alerts',
    topic: Topics.alerts,
    title: 'Alert lifecycle',
    message: 'AlertLifecycleEvent',
    schema: alertLifecycleEventSchema,
    summary: 'One step in an alert’s life (opened, updated, acknowledged, snoozed, resolved, escalated) with its queue, CSM, priority and evidence.',
    producer: { service: 'alerting', via: 'its outbox relay' },
    consumers: [{ service: 'playbook', group: 'bellwether-playbook', purpose: 'starts the playbooks of an opened alert’s rule' }],
    key: 'AccountKey',
    headers: idHeader('bw-event-id', 'Same as the payload’s `eventId`.'),
    idempotencyKey: '`eventId` (`<alertId>:<revision>`); `revision` grows with every step of one alert',
    notes: [
      'Open to integrators: use your own consumer group.',
      '`incidentId` (optional, additive) names the incident of `bellwether.incidents.v1` the alert belongs to.',
      '`ruleSetVersion` (optional, additive) is the version of the alert rule set (`RULES_FILE`, or the built-in default) under which a score change last opened, updated or resolved the alert; a person’s action or an escalation carries the alert’s.',
    ],
    example: {
      schemaVersion: 1,
      eventId: 'al_5f0c9a1e27b4d3c8e6a1f092:1',
      kind: 'opened',
      alertId: 'al_5f0c9a1e27b4d3c8e6a1f092',
      revision: 1,
      accountId: 'acme',
      rule: 'health_entered_red',
      category: 'risk',
      severity: 'critical',
      priority: 87.5,
      queue: 'csm:csm-ana',
      csmId: 'csm-ana',
      status: 'open',
      evidence: ['health 64.2 → 38.5 (red)', 'payment failed'],
      occurredAt: '2026-03-01T10:00:00.000Z',
      ruleSetVersion: 'default-2026.3',
    },
    exampleHeaders: { 'bw-event-id': 'al_5f0c9a1e27b4d3c8e6a1f092:1' },
  },
  {
    id: 'incidents',
    topic: Topics.incidents,
    title: 'Incident lifecycle',
    message: 'IncidentLifecycleEvent',
    schema: incidentLifecycleEventSchema,
    summary:
      'One step in an incident’s life (opened, updated, acknowledged, snoozed, resolved, escalated). An incident groups an account’s active alerts of one category: one risk incident and one expansion opportunity per account, listing every firing rule with its evidence; its severity is the highest of its active alerts.',
    producer: { service: 'alerting', via: 'its outbox relay' },
    consumers: [{ service: 'playbook', group: 'bellwether-playbook', purpose: 'starts the playbooks with an `incident` trigger of an opened incident’s category' }],
    key: 'AccountKey',
    headers: idHeader('bw-event-id', 'Same as the payload’s `eventId`.'),
    idempotencyKey: '`eventId` (`<incidentId>:<revision>`); `revision` grows with every step of one incident',
    notes: [
      'Open to integrators: use your own consumer group.',
      'Per-rule alerts keep flowing on `bellwether.alerts.v1`; each carries the `incidentId` it belongs to.',
      '`updated` is published when the incident’s severity, status, or one of its rules (added, re-severitied, resolved) changed; a re-trigger that only refreshes evidence is not published.',
    ],
    example: {
      schemaVersion: 1,
      eventId: 'in_7c1d0b9e3a2f4c5d6e7f8091:2',
      kind: 'updated',
      incidentId: 'in_7c1d0b9e3a2f4c5d6e7f8091',
      revision: 2,
      accountId: 'acme',
      category: 'risk',
      severity: 'high',
      priority: 16,
      queue: 'csm:csm-ana',
      csmId: 'csm-ana',
      status: 'open',
      openedAt: '2026-03-01T10:00:00.000Z',
      ruleIds: ['activity_dropped', 'active_users_dropped'],
      rules: [
        { rule: 'active_users_dropped', alertId: 'al_0a1b2c3d4e5f60718293a4b5', severity: 'high', status: 'open', evidence: ['active users 12 → 7 (−42%)'] },
        { rule: 'activity_dropped', alertId: 'al_5f0c9a1e27b4d3c8e6a1f092', severity: 'high', status: 'open', evidence: ['activity −61% vs the weekly baseline'] },
      ],
      occurredAt: '2026-03-02T10:00:00.000Z',
    },
    exampleHeaders: { 'bw-event-id': 'in_7c1d0b9e3a2f4c5d6e7f8091:2' },
  },
  {
    id: 'playbookRuns',
    topic: Topics.playbookRuns,
    title: 'Playbook runs',
    message: 'PlaybookRunEvent',
    schema: playbookRunEventSchema,
    summary: 'Playbook run events: run started, step done, task created, run ended with its outcome.',
    producer: { service: 'playbook', via: 'its outbox relay' },
    consumers: [],
    key: 'AccountKey',
    headers: idHeader('bw-event-id', 'Same as the payload’s `eventId`.'),
    idempotencyKey: '`eventId`',
    notes: ['Open to integrators: use your own consumer group.'],
    example: {
      schemaVersion: 1,
      eventId: 'run_1:listen-call:task',
      kind: 'task.created',
      runId: 'run_1',
      playbookId: 'value-rediscovery',
      playbookVersion: 1,
      playbooksVersion: 'cs-2026.3',
      accountId: 'acme',
      stepId: 'listen-call',
      task: { taskId: 'tsk_1', role: 'csm', title: 'Listening call', queue: 'csm:csm-ana', dueAt: '2026-03-03T10:00:00.000Z' },
      occurredAt: '2026-03-01T10:00:00.000Z',
    },
    exampleHeaders: { 'bw-event-id': 'run_1:listen-call:task' },
  },
  {
    id: 'clock',
    topic: Topics.clock,
    title: 'Clock ticks',
    message: 'ClockTick',
    schema: clockTickSchema,
    summary: 'Wall-clock watermarks in live mode (CLOCK_MODE=wall), so scores roll over for silent accounts. Nothing ticks in event mode (replays, simulations).',
    producer: { service: 'ingestion', via: 'a timer, every CLOCK_TICK_SECONDS' },
    consumers: [{ service: 'scoring', group: 'bellwether-scoring-side-inputs', purpose: 'moves the watermark, so silent accounts roll over to a new day' }],
    key: 'ClockKey',
    idempotencyKey: '`watermark` (take the maximum; several ingestion replicas may tick)',
    notes: ['Internal: not meant for integrators.'],
    example: { schemaVersion: 1, watermark: '2026-03-01T10:00:00.000Z' },
  },
  {
    id: 'watermarks',
    topic: Topics.watermarks,
    title: 'Pipeline watermark (internal, compacted)',
    message: 'PipelineWatermark',
    schema: pipelineWatermarkSchema,
    summary:
      'Scoring’s pipeline watermark: the minimum event time over the events topic’s partitions (idle partitions excluded), and the last day boundary every account was scored through. In event mode (replays) it is the clock of alerting’s SLA and snooze timers and of playbook waits.',
    producer: { service: 'scoring', via: 'its outbox relay, each time the watermark advances' },
    consumers: [
      { service: 'alerting', purpose: 'the pipeline clock of SLA escalations and snooze wake-ups in event mode' },
      { service: 'playbook', purpose: 'the pipeline clock of wait steps and task due dates in event mode' },
    ],
    key: 'PipelineKey',
    idempotencyKey: '`watermark` (take the maximum; it only moves forward)',
    notes: ['Internal: not meant for integrators.'],
    example: { schemaVersion: 1, watermark: '2026-03-01T10:00:00.000Z', closedThrough: '2026-02-28T00:00:00.000Z' },
  },
  {
    id: 'apiKeys',
    topic: Topics.apiKeys,
    title: 'API key records (internal, compacted)',
    message: 'ApiKeyRecord',
    schema: apiKeyRecordSchema,
    summary: 'The latest state of every API key (scopes, CSM, team, revoked), so every service can verify keys without reading ingestion’s database. Only the SHA-256 of the secret travels.',
    producer: { service: 'ingestion', via: 'its outbox relay, when a key is created, rotated or revoked' },
    consumers: [{ service: 'key ring', purpose: 'each service with an HTTP API reads the whole topic into memory (libs/auth ApiKeyRing)' }],
    key: 'ApiKeyId',
    idempotencyKey: '`id` (keep the newest record per key)',
    notes: ['Internal: not for integrators. Restrict read access with ACLs, as for any credential material.'],
    example: {
      schemaVersion: 1,
      id: 'Q7ZK2M9XWPLA',
      secretSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      scopes: ['integrator'],
      csmId: null,
      team: null,
      revoked: false,
      updatedAt: '2026-03-01T10:00:00.000Z',
    },
  },
  {
    id: 'directory',
    topic: Topics.directory,
    title: 'Directory of CSMs and teams (internal, compacted)',
    message: 'DirectoryRecord',
    schema: directoryRecordSchema,
    summary: 'Which team each CSM belongs to and who manages each team, as kept by the admin API. Every access check that needs team membership (a manager’s view, escalations) reads it; keys only name who they act for. A CSM entry may carry the CSM’s email address, where playbook sends the email steps of their accounts.',
    producer: { service: 'ingestion', via: 'its outbox relay, when an admin changes the directory (and all entries at start)' },
    consumers: [{ service: 'directory ring', purpose: 'each service with an HTTP API or escalations reads the whole topic into memory (libs/auth DirectoryRing); playbook also reads the CSMs’ email addresses from it' }],
    key: 'DirectoryKey',
    idempotencyKey: '`kind` and `id` (keep the newest record per entry)',
    notes: [
      'Internal: not for integrators.',
      'A removed entry is published with `deleted: true`.',
      '`email` (CSM records, optional; absent in records from before it) is personal data: restrict read access with ACLs; playbook sends the email steps of the CSM’s accounts there (docs/security.md).',
    ],
    example: { schemaVersion: 1, kind: 'csm', id: 'csm-ana', team: 'emea', managers: [], email: 'ana@acme.example', deleted: false, updatedAt: '2026-03-01T10:00:00.000Z' },
  },
  {
    id: 'configActivations',
    topic: Topics.configActivations,
    title: 'Configuration activations (internal, compacted)',
    message: 'ConfigActivationRecord',
    schema: configActivationRecordSchema,
    summary:
      'Which version of a versioned configuration (a scorecard, an alert rule set, the set of playbooks) is in force from which event time. Written when an admin activates a version or rolls back; every replica of the owning service reads the whole topic, keeps the activations in memory, and evaluates each point in event time with the version in force then.',
    producer: {
      service: 'the owning service',
      via: 'its outbox relay, in the transaction of the activation or rollback: scoring for `scorecard` (POST /v1/admin/scorecards/{version}/activate, /rollback), alerting for `rule-set` (POST /v1/admin/rule-sets/{version}/activate, /rollback), playbook for `playbooks` (POST /v1/admin/playbooks/{version}/activate, /rollback)',
    },
    consumers: [
      { service: 'scoring', purpose: 'each replica reads the whole topic into its scorecard timeline (ScorecardActivations) and is not ready before it has' },
      { service: 'alerting', purpose: 'each replica reads the whole topic into its rule-set timeline (RuleSetActivations, records of kind `rule-set`) and is not ready before it has' },
      { service: 'playbook', purpose: 'each replica reads the whole topic into its playbook timeline (PlaybookActivations, records of kind `playbooks`) and is not ready before it has' },
    ],
    key: 'ConfigKindKey',
    idempotencyKey: '`kind`, `version` and `activatedAt` (a repeat changes nothing)',
    notes: [
      'Internal: not for integrators.',
      '`effectiveFrom` is the pipeline watermark at activation: events before it keep the version in force before, so a replay switches at the same point.',
      'Compaction keeps the newest activation per kind: a replica started after compaction knows that one, and the SCORECARD_FILE/RULES_FILE/default before it.',
    ],
    example: {
      schemaVersion: 1,
      kind: 'scorecard',
      version: 'cs-2026.3',
      body: { version: 'cs-2026.3', weights: { billing: 30 } },
      effectiveFrom: '2026-03-01T09:58:00.000Z',
      activatedAt: '2026-03-01T10:00:00.000Z',
      activatedBy: 'Q7ZK2M9XWPLA',
    },
  },
];

function specOf(topic: string): TopicSpec {
  const spec = topicSpecs.find((candidate) => candidate.name === topic);
  if (!spec) throw new Error(`no topic spec for ${topic}`);
  return spec;
}

function retentionText(spec: TopicSpec): string {
  if (spec.compacted) return 'compacted (cleanup.policy=compact): the newest value per key is kept';
  return spec.retentionMs ? `${spec.retentionMs / DAY_MS} days (cleanup.policy=delete)` : 'the broker default (cleanup.policy=delete)';
}

function channelBinding(spec: TopicSpec) {
  return {
    kafka: {
      topic: spec.name,
      partitions: spec.partitions,
      topicConfiguration: { 'cleanup.policy': [spec.compacted ? 'compact' : 'delete'], ...(spec.retentionMs ? { 'retention.ms': spec.retentionMs } : {}) },
      bindingVersion: KAFKA_BINDING_VERSION,
    },
  };
}

function channelDescription(doc: TopicDoc, spec: TopicSpec): string {
  const consumers =
    doc.consumers.length > 0
      ? doc.consumers.map((consumer) => `${consumer.service} (${consumer.group ? `group \`${consumer.group}\`` : 'no consumer group, nothing committed'}: ${consumer.purpose})`).join('; ')
      : 'none inside Bellwether';
  const key = {
    AccountKey: 'Key: the `accountId`. One account’s messages share a partition and keep the order they were produced in; there is no order across accounts.',
    ClockKey: 'Key: `clock`; one partition, so ticks are totally ordered.',
    PipelineKey: 'Key: `pipeline`; one partition, compacted, so a reader from the beginning gets the newest watermark.',
    ApiKeyId: 'Key: the API key id; one partition, so every record is read in order.',
    DirectoryKey: 'Key: `csm:<csmId>` or `team:<team>`; one partition, so every record is read in order.',
    ConfigKindKey: 'Key: the configuration kind (`scorecard`, `rule-set`); one partition, compacted, so a reader from the beginning gets at least the newest activation of each kind.',
  }[doc.key];
  return [
    doc.summary,
    '',
    `- Producer: ${doc.producer.service}, through ${doc.producer.via}.`,
    `- Consumers: ${consumers}.`,
    `- ${key}`,
    `- Partitions: ${spec.partitions}. A floor: operators may add more, but that moves keys to other partitions, so plan it (docs/scaling.md).`,
    `- Retention: ${retentionText(spec)}.`,
    `- Deduplicate on: ${doc.idempotencyKey}. Delivery is at least once.`,
    ...doc.notes.map((note) => `- ${note}`),
  ].join('\n');
}

/** Which consumers dead-letter into `<topic>.dlq`, from the topic docs above. */
function deadLetterProducers(topic: string): readonly ConsumerDoc[] {
  return topics.find((doc) => doc.topic === topic)?.consumers ?? [];
}

const deadLetterHeadersSchema = {
  type: 'object',
  required: [...deadLetterHeaderNames],
  properties: {
    dlq_reason: { type: 'string', maxLength: 1000, description: 'Why the record could not be processed (decode error, schema problems, handler rejection).' },
    dlq_step: { type: 'string', description: 'The step that rejected it: `decode`, or the handler’s step name.' },
    dlq_topic: { type: 'string', description: 'The topic the record was read from.' },
    dlq_partition: { type: 'string', pattern: '^[0-9]+$', description: 'Its partition (decimal).' },
    dlq_offset: { type: 'string', pattern: '^[0-9]+$', description: 'Its offset (decimal).' },
    dlq_timestamp: { type: 'string', format: 'date-time', description: 'When it was dead-lettered (ISO-8601).' },
    dlq_consumer_group: { type: 'string', description: 'The consumer group that gave up on it.' },
  },
} as const;

/** Builds the AsyncAPI document (plain JSON data). */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { DeadLetterHeaders: deadLetterHeadersSchema };
  const messages: Record<string, unknown> = {};
  const messageRef = (id: string, message: string) => ({ $ref: `#/channels/${id}/messages/${message}` });

  for (const doc of topics) {
    const spec = specOf(doc.topic);
    schemas[doc.message] = doc.schema;
    messages[doc.message] = {
      name: doc.message,
      title: doc.title,
      summary: doc.summary,
      contentType: 'application/json',
      ...(doc.headers ? { headers: doc.headers } : {}),
      payload: { $ref: `#/components/schemas/${doc.message}` },
      // Inline: the AsyncAPI 3.0 schema cannot tell a $ref here from a schema (its oneOf matches both).
      bindings: { kafka: { key: keySchemas[doc.key], bindingVersion: KAFKA_BINDING_VERSION } },
      examples: [{ name: 'example', ...(doc.exampleHeaders ? { headers: doc.exampleHeaders } : {}), payload: doc.example }],
    };
    channels[doc.id] = {
      address: doc.topic,
      title: doc.title,
      description: channelDescription(doc, spec),
      messages: { [doc.message]: { $ref: `#/components/messages/${doc.message}` } },
      bindings: channelBinding(spec),
    };
    operations[`${doc.id}.send`] = {
      action: 'send',
      title: `${doc.producer.service} publishes to ${doc.topic}`,
      channel: { $ref: `#/channels/${doc.id}` },
      messages: [messageRef(doc.id, doc.message)],
    };
    for (const consumer of doc.consumers) {
      operations[`${doc.id}.receive.${consumer.service.replace(/[^A-Za-z0-9]+/g, '-')}`] = {
        action: 'receive',
        title: `${consumer.service} consumes ${doc.topic}`,
        summary: consumer.purpose,
        channel: { $ref: `#/channels/${doc.id}` },
        messages: [messageRef(doc.id, doc.message)],
        ...(consumer.group ? { bindings: { kafka: { groupId: { type: 'string', const: consumer.group }, bindingVersion: KAFKA_BINDING_VERSION } } } : {}),
      };
    }
  }

  messages['DeadLetter'] = {
    name: 'DeadLetter',
    title: 'Dead letter',
    summary: 'A record a consumer could not process: the original key, value bytes and headers, plus the `dlq_*` headers.',
    headers: { $ref: '#/components/schemas/DeadLetterHeaders' },
    payload: { description: 'The original value, byte for byte (it may not even be JSON).' },
    bindings: { kafka: { key: { type: 'string', description: 'The original key, unchanged.' }, bindingVersion: KAFKA_BINDING_VERSION } },
  };
  for (const spec of topicSpecs.filter((candidate) => candidate.name.endsWith('.dlq'))) {
    const source = spec.name.slice(0, -'.dlq'.length);
    const sourceDoc = topics.find((doc) => doc.topic === source);
    if (!sourceDoc || deadLetterTopicOf(source) !== spec.name) throw new Error(`dead-letter topic ${spec.name} has no documented source topic`);
    const id = `${sourceDoc.id}DeadLetters`;
    const producers = deadLetterProducers(source);
    channels[id] = {
      address: spec.name,
      title: `Dead letters of ${source}`,
      description: [
        `Records of \`${source}\` that a consumer could not decode, validate or handle. The partition moves on; operators inspect and replay these.`,
        '',
        `- Producers: ${producers.length > 0 ? producers.map((consumer) => `${consumer.service} (\`dlq_consumer_group\` = \`${consumer.group ?? '-'}\`)`).join(', ') : 'the consumers of the source topic (none yet)'}.`,
        `- Headers: the original headers plus ${deadLetterHeaderNames.map((name) => `\`${name}\``).join(', ')}.`,
        `- Partitions: ${spec.partitions}. Retention: ${retentionText(spec)}.`,
      ].join('\n'),
      messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
      bindings: channelBinding(spec),
    };
    operations[`${id}.send`] = {
      action: 'send',
      title: `consumers of ${source} dead-letter to ${spec.name}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [messageRef(id, 'DeadLetter')],
    };
  }

  const document = {
    asyncapi: '3.0.0' as const,
    info: {
      title: 'Bellwether Kafka topics',
      version: '1.0.0',
      description: [
        'The public Kafka contract of Bellwether (`shared/spec/contracts.md`), generated from `libs/contracts` by `npm run asyncapi`.',
        '',
        '- **Keys.** Every public topic is keyed by `accountId` (the clock topic by the constant `clock`, the internal API key topic by key id). Kafka’s default partitioner sends one key to one partition, so one account’s messages are read in the order they were written. Nothing is ordered across accounts.',
        '- **Values** are UTF-8 JSON objects with a `schemaVersion`. Additive changes (new optional fields, new enum values) keep the version, so consumers must ignore fields they do not know. A breaking change gets a new topic (`.v2`). Skip, do not crash on, a `schemaVersion` you do not know.',
        '- **Delivery** is at least once: a producer retry or an outbox relay crash can repeat a message. Every message carries an id to deduplicate on (see each channel).',
        `- **Dead letters.** A consumer that cannot decode, validate or handle a record copies it to \`<topic>.dlq\` with its original key, value and headers plus ${deadLetterHeaderNames.map((name) => `\`${name}\``).join(', ')}, and moves on.`,
        '- **Scaling and partitions:** docs/scaling.md. **Subscribing:** docs/integrators.md.',
      ].join('\n'),
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The single-node broker of `scripts/kafka.sh` (PLAINTEXT, no authentication).' },
      compose: { host: 'localhost:29092', protocol: 'kafka', description: 'The EXTERNAL listener of `docker compose up` (PLAINTEXT, no authentication).' },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
  // Plain JSON data: no shared object references (they would become YAML aliases).
  return JSON.parse(JSON.stringify(document)) as AsyncApiDocument;
}

/** The schemas an AsyncAPI document gives one topic's messages, with local `$ref`s resolved. */
export interface TopicMessageSchemas {
  readonly channelId: string;
  readonly message: string;
  readonly payload: object;
  readonly key?: object;
  readonly headers?: object;
}

/**
 * Reads a (parsed) AsyncAPI 3 document the way a consumer of the YAML would: channel address →
 * its messages → payload, Kafka key and header schemas, following local `#/...` references. Used
 * by the contract tests to validate real messages against the document itself.
 */
export function asyncApiSchemasByTopic(document: unknown): Map<string, TopicMessageSchemas[]> {
  const root = asObject(document, 'document');
  const resolve = (value: unknown, where: string): Record<string, unknown> => {
    let node = asObject(value, where);
    for (let depth = 0; typeof node['$ref'] === 'string'; depth += 1) {
      const ref = node['$ref'];
      if (depth > 10 || !ref.startsWith('#/')) throw new Error(`${where}: unsupported $ref ${ref}`);
      const target = ref
        .slice(2)
        .split('/')
        .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((current, segment) => (current && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined), root);
      node = asObject(target, `${where} → ${ref}`);
    }
    return node;
  };
  const byTopic = new Map<string, TopicMessageSchemas[]>();
  for (const [channelId, channelValue] of Object.entries(asObject(root['channels'], 'channels'))) {
    const channel = resolve(channelValue, `channels.${channelId}`);
    const address = channel['address'];
    if (typeof address !== 'string') throw new Error(`channels.${channelId}: no address`);
    const entries: TopicMessageSchemas[] = [];
    for (const [messageId, messageValue] of Object.entries(asObject(channel['messages'] ?? {}, `channels.${channelId}.messages`))) {
      const where = `channels.${channelId}.messages.${messageId}`;
      const message = resolve(messageValue, where);
      const kafka = message['bindings'] ? (resolve(message['bindings'], `${where}.bindings`)['kafka'] as Record<string, unknown> | undefined) : undefined;
      entries.push({
        channelId,
        message: messageId,
        payload: resolve(message['payload'], `${where}.payload`),
        ...(kafka?.['key'] ? { key: resolve(kafka['key'], `${where}.bindings.kafka.key`) } : {}),
        ...(message['headers'] ? { headers: resolve(message['headers'], `${where}.headers`) } : {}),
      });
    }
    byTopic.set(address, [...(byTopic.get(address) ?? []), ...entries]);
  }
  return byTopic;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected an object`);
  return value as Record<string, unknown>;
}
