import { eventLimits, eventTypePattern, printableIdPattern } from './event-limits';
import { HEALTH_BANDS, LIFECYCLE_STAGES, SEGMENTS } from './messages';

/**
 * JSON Schemas (draft 2020-12 subset understood by Ajv) of the public messages. They are the
 * single source for the validators below, the AsyncAPI document and the HTTP contract tests.
 */

const isoDateTime = { type: 'string', format: 'date-time', maxLength: 40 } as const;
const identifier = { type: 'string', minLength: 1, maxLength: eventLimits.maxIdLength } as const;

const scoreSnapshot = {
  type: 'object',
  required: ['health', 'band', 'churnRisk', 'segment', 'stage'],
  properties: {
    health: { type: 'number', minimum: 0, maximum: 100 },
    band: { enum: HEALTH_BANDS },
    churnRisk: { type: 'number', minimum: 0, maximum: 1 },
    segment: { enum: SEGMENTS },
    stage: { enum: LIFECYCLE_STAGES },
    insufficientData: { const: true, description: 'Too little of the scorecard weight has data: health and band are no opinion.' },
  },
} as const;

const calendarDay = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } as const;
const optionalDay = { type: ['string', 'null'], pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const optionalCount = { type: ['integer', 'null'], minimum: 0 } as const;
const optionalRate = { type: ['number', 'null'], minimum: 0 } as const;
const optionalDays = { type: ['integer', 'null'] } as const;
const optionalAmount = { type: ['number', 'null'], minimum: 0 } as const;
const name = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** `AccountSignals` (messages.ts): the leading indicators a score change carries, as of its event time. */
export const accountSignalsSchema = {
  type: 'object',
  description: 'The signals behind the scores as of eventTime (rolling windows ending that day). Dates are UTC days (YYYY-MM-DD) except nps.at.',
  required: ['activity', 'activeUsers', 'features', 'usage', 'gatedAttempts14', 'gatedFeatures14', 'pricingViews7', 'support', 'nps', 'billing', 'engagement', 'onboarding', 'csm', 'contract'],
  properties: {
    activity: {
      type: 'object',
      required: ['last7', 'last30', 'weeklyBaseline', 'trend'],
      properties: { last7: count, last30: count, weeklyBaseline: optionalRate, trend: optionalRate },
    },
    activeUsers: {
      type: 'object',
      required: ['last7', 'last30', 'thisPeriod', 'previousPeriod', 'periodStart', 'seats'],
      properties: {
        last7: count,
        last30: count,
        thisPeriod: count,
        previousPeriod: count,
        periodStart: calendarDay,
        seats: optionalAmount,
        seatsReducedAt: optionalDay,
        sinceSeatsReduced: optionalCount,
      },
    },
    features: {
      type: 'object',
      required: ['keyUsed30', 'keyConfigured', 'contracted'],
      properties: { keyUsed30: count, keyConfigured: count, contracted: { type: 'array', maxItems: 200, items: name } },
    },
    usage: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['metric', 'value', 'limit', 'ratio', 'at'],
        properties: { metric: name, value: { type: 'number' }, limit: { type: 'number', exclusiveMinimum: 0 }, ratio: { type: 'number' }, at: calendarDay },
      },
    },
    gatedAttempts14: count,
    gatedFeatures14: { type: 'array', maxItems: 10, items: name },
    pricingViews7: count,
    support: {
      type: 'object',
      required: ['tickets7', 'tickets30', 'weeklyBaseline', 'topTopic', 'escalations30', 'lastEscalationAt'],
      properties: {
        tickets7: count,
        tickets30: count,
        weeklyBaseline: optionalRate,
        topTopic: { oneOf: [{ type: 'null' }, { type: 'object', required: ['topic', 'count30'], properties: { topic: name, count30: count } }] },
        escalations30: count,
        lastEscalationAt: optionalDay,
      },
    },
    nps: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['score', 'category', 'at'],
          properties: {
            score: { type: 'number', minimum: 0, maximum: 10 },
            category: { enum: ['promoter', 'passive', 'detractor'] },
            at: isoDateTime,
            comment: { type: 'string', maxLength: 1000 },
          },
        },
      ],
    },
    billing: {
      type: 'object',
      required: ['trouble', 'paymentFailedAt', 'invoiceOverdueAt', 'downgradeRequestedAt'],
      properties: {
        trouble: { type: 'array', maxItems: 3, items: { enum: ['payment_failed', 'invoice_overdue', 'downgrade_requested'] } },
        paymentFailedAt: optionalDay,
        invoiceOverdueAt: optionalDay,
        downgradeRequestedAt: optionalDay,
      },
    },
    engagement: {
      type: 'object',
      required: ['emailOpens30', 'emailOpensPrevious30', 'eventsAttended30', 'eventsAttendedPrevious30', 'communityPosts30'],
      properties: { emailOpens30: count, emailOpensPrevious30: count, eventsAttended30: count, eventsAttendedPrevious30: count, communityPosts30: count },
    },
    onboarding: {
      type: 'object',
      required: ['inOnboarding', 'completed', 'required', 'daysSinceLastMilestone', 'daysSinceStart'],
      properties: { inOnboarding: { type: 'boolean' }, completed: count, required: count, daysSinceLastMilestone: optionalCount, daysSinceStart: optionalDays },
    },
    csm: {
      type: 'object',
      required: ['daysSinceTouchpoint', 'lastTouchpointAt'],
      properties: { daysSinceTouchpoint: optionalCount, lastTouchpointAt: optionalDay, daysObserved: optionalCount },
    },
    contract: {
      type: 'object',
      required: ['renewalDate', 'renewalInDays', 'mrr', 'arrUsd', 'seats', 'plan'],
      properties: {
        renewalDate: optionalDay,
        renewalInDays: optionalDays,
        mrr: optionalAmount,
        arrUsd: optionalAmount,
        seats: optionalAmount,
        plan: { type: ['string', 'null'] },
      },
    },
    usageLevel: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['current', 'reference', 'ratio'],
          properties: { current: { type: 'number', minimum: 0 }, reference: { type: 'number', exclusiveMinimum: 0 }, ratio: { type: 'number', minimum: 0 } },
        },
      ],
    },
    champion: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['userId', 'share', 'events', 'lastSeenAt', 'daysSinceSeen', 'othersActive14', 'weeklyBefore', 'weeklySince'],
          properties: {
            userId: identifier,
            share: { type: 'number', minimum: 0, maximum: 1 },
            events: count,
            lastSeenAt: calendarDay,
            daysSinceSeen: count,
            othersActive14: count,
            weeklyBefore: { type: 'number', minimum: 0 },
            weeklySince: optionalRate,
          },
        },
      ],
    },
    keyFeatureOwnersLost: {
      oneOf: [
        { type: 'null' },
        {
          type: 'array',
          maxItems: 10,
          items: {
            type: 'object',
            required: ['feature', 'userId', 'share', 'lastSeenAt', 'daysSinceSeen', 'weeklyUsesBefore', 'weeklyUsesSince'],
            properties: {
              feature: name,
              userId: identifier,
              share: { type: 'number', minimum: 0, maximum: 1 },
              lastSeenAt: calendarDay,
              daysSinceSeen: count,
              weeklyUsesBefore: { type: 'number', minimum: 0 },
              weeklyUsesSince: { type: 'number', minimum: 0 },
            },
          },
        },
      ],
    },
  },
} as const;

/**
 * The values of the account economics attributes (`accountEconomicsAttributes`), as the admin
 * accounts API accepts them and as `account.updated` traits carry them: `cacUsd` a number ≥ 0
 * (USD), `grossMarginPct` a fraction in [0, 1]; `null` clears. One rule for both ends.
 */
export const accountEconomicsSchemas = {
  cacUsd: { type: ['number', 'null'], minimum: 0 },
  grossMarginPct: { type: ['number', 'null'], minimum: 0, maximum: 1 },
} as const;

export const telemetryEventSchema = {
  $id: 'https://bellwether.dev/schemas/events.v1.json',
  title: 'bellwether.events.v1',
  type: 'object',
  required: ['schemaVersion', 'id', 'type', 'accountId', 'timestamp', 'receivedAt', 'source', 'properties'],
  properties: {
    schemaVersion: { const: 1 },
    id: identifier,
    type: { type: 'string', minLength: 1, maxLength: eventLimits.maxTypeLength },
    accountId: identifier,
    userId: identifier,
    timestamp: isoDateTime,
    receivedAt: isoDateTime,
    source: { enum: ['native', 'segment'] },
    properties: { type: 'object' },
    trustedAttributes: { const: true },
  },
} as const;

export const scoreChangedSchema = {
  $id: 'https://bellwether.dev/schemas/scores.v1.json',
  title: 'bellwether.scores.v1',
  type: 'object',
  required: ['schemaVersion', 'accountId', 'changeId', 'sequence', 'eventTime', 'cause', 'before', 'after', 'drivers', 'reasons', 'scorecardVersion', 'account'],
  properties: {
    schemaVersion: { const: 1 },
    accountId: identifier,
    changeId: identifier,
    sequence: { type: 'integer', minimum: 1 },
    eventTime: isoDateTime,
    cause: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { enum: ['event', 'watermark', 'rescore'] }, eventId: identifier, eventType: { type: 'string' } },
    },
    before: { oneOf: [{ type: 'null' }, scoreSnapshot] },
    after: scoreSnapshot,
    drivers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['measure', 'score', 'weight', 'contribution'],
        properties: {
          measure: { type: 'string' },
          score: { type: 'number', minimum: 0, maximum: 100 },
          weight: { type: 'number', minimum: 0 },
          contribution: { type: 'number' },
          insufficientData: { const: true, description: 'The measure has too little history: not counted in health, contribution 0, score provisional.' },
        },
      },
    },
    reasons: { type: 'array', items: { type: 'string' } },
    scorecardVersion: { type: 'string' },
    account: {
      type: 'object',
      properties: { csmId: { type: 'string' }, mrr: { type: 'number' }, plan: { type: 'string' }, churnedAt: isoDateTime },
    },
    signals: accountSignalsSchema,
  },
} as const;

export const alertLifecycleEventSchema = {
  $id: 'https://bellwether.dev/schemas/alerts.v1.json',
  title: 'bellwether.alerts.v1',
  type: 'object',
  required: ['schemaVersion', 'eventId', 'kind', 'alertId', 'revision', 'accountId', 'rule', 'category', 'severity', 'priority', 'queue', 'status', 'evidence', 'occurredAt'],
  properties: {
    schemaVersion: { const: 1 },
    eventId: identifier,
    kind: { enum: ['opened', 'updated', 'acknowledged', 'snoozed', 'resolved', 'escalated'] },
    alertId: identifier,
    revision: { type: 'integer', minimum: 1 },
    accountId: identifier,
    rule: identifier,
    category: { enum: ['risk', 'expansion'] },
    severity: { enum: ['critical', 'high', 'medium', 'low'] },
    priority: { type: 'number' },
    queue: identifier,
    escalatedTo: identifier,
    csmId: identifier,
    status: { enum: ['open', 'acknowledged', 'snoozed', 'resolved'] },
    outcome: { enum: ['saved', 'churned', 'expanded', 'not_actionable'] },
    evidence: { type: 'array', items: { type: 'string' } },
    occurredAt: isoDateTime,
    incidentId: identifier,
    ruleSetVersion: { ...identifier, description: 'Version of the rule set under which a score change last opened, updated or resolved the alert.' },
  },
} as const;

export const incidentLifecycleEventSchema = {
  $id: 'https://bellwether.dev/schemas/incidents.v1.json',
  title: 'bellwether.incidents.v1',
  type: 'object',
  required: ['schemaVersion', 'eventId', 'kind', 'incidentId', 'revision', 'accountId', 'category', 'severity', 'priority', 'queue', 'status', 'openedAt', 'ruleIds', 'rules', 'occurredAt'],
  properties: {
    schemaVersion: { const: 1 },
    eventId: identifier,
    kind: alertLifecycleEventSchema.properties.kind,
    incidentId: identifier,
    revision: { type: 'integer', minimum: 1 },
    accountId: identifier,
    category: alertLifecycleEventSchema.properties.category,
    severity: alertLifecycleEventSchema.properties.severity,
    priority: { type: 'number' },
    queue: identifier,
    escalatedTo: identifier,
    csmId: identifier,
    status: alertLifecycleEventSchema.properties.status,
    outcome: alertLifecycleEventSchema.properties.outcome,
    openedAt: isoDateTime,
    resolvedAt: isoDateTime,
    ruleIds: { type: 'array', items: identifier },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule', 'alertId', 'severity', 'status', 'evidence'],
        properties: {
          rule: identifier,
          alertId: identifier,
          severity: alertLifecycleEventSchema.properties.severity,
          status: alertLifecycleEventSchema.properties.status,
          evidence: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    occurredAt: isoDateTime,
  },
} as const;

export const playbookRunEventSchema = {
  $id: 'https://bellwether.dev/schemas/playbook-runs.v1.json',
  title: 'bellwether.playbook-runs.v1',
  type: 'object',
  required: ['schemaVersion', 'eventId', 'kind', 'runId', 'playbookId', 'playbookVersion', 'accountId', 'occurredAt'],
  properties: {
    schemaVersion: { const: 1 },
    eventId: identifier,
    kind: { enum: ['run.started', 'step.done', 'task.created', 'run.parked', 'run.ended'] },
    runId: identifier,
    playbookId: identifier,
    playbookVersion: { type: 'integer', minimum: 1 },
    playbooksVersion: { type: 'string', minLength: 1, maxLength: 100 },
    accountId: identifier,
    stepId: identifier,
    task: {
      type: 'object',
      required: ['taskId', 'role', 'title', 'queue', 'dueAt'],
      properties: { taskId: identifier, role: { type: 'string' }, title: { type: 'string' }, queue: identifier, dueAt: isoDateTime },
    },
    outcome: { enum: ['recovered', 'churned', 'expanded', 'completed', 'failed'] },
    error: { type: 'string', maxLength: 2000 },
    occurredAt: isoDateTime,
  },
} as const;

export const clockTickSchema = {
  $id: 'https://bellwether.dev/schemas/clock.v1.json',
  title: 'bellwether.clock.v1',
  type: 'object',
  required: ['schemaVersion', 'watermark'],
  properties: { schemaVersion: { const: 1 }, watermark: isoDateTime },
} as const;

export const pipelineWatermarkSchema = {
  $id: 'https://bellwether.dev/schemas/watermarks.v1.json',
  title: 'bellwether.watermarks.v1',
  type: 'object',
  required: ['schemaVersion', 'watermark', 'closedThrough'],
  properties: { schemaVersion: { const: 1 }, watermark: isoDateTime, closedThrough: { anyOf: [isoDateTime, { type: 'null' }] } },
} as const;

export const apiKeyRecordSchema = {
  $id: 'https://bellwether.dev/schemas/api-keys.v1.json',
  title: 'bellwether.api-keys.v1',
  type: 'object',
  required: ['schemaVersion', 'id', 'secretSha256', 'scopes', 'csmId', 'team', 'revoked', 'updatedAt'],
  properties: {
    schemaVersion: { const: 1 },
    id: { type: 'string', pattern: '^[A-Za-z0-9]{12}$' },
    secretSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    scopes: { type: 'array', minItems: 1, items: { enum: ['ingest', 'integrator', 'csm', 'manager', 'admin', 'accounts:write'] } },
    csmId: { type: ['string', 'null'] },
    team: { type: ['string', 'null'] },
    revoked: { type: 'boolean' },
    updatedAt: isoDateTime,
  },
} as const;

/** Directory ids (CSM, team, manager): the same form the admin API accepts for key csmId/team. */
export const directoryIdPattern = '^[A-Za-z0-9_.-]{1,100}$';

/**
 * A mailbox address in the addr-spec form of RFC 5322 §3.4.1, dot-atom only: `local@domain`, the
 * local part 1-64 atext characters with single dots between them (no quoted strings, comments or
 * display name), the domain two or more DNS labels (letters, digits, inner hyphens; no address
 * literal), at most 254 characters in all (RFC 5321 §4.5.3.1's path limit less the brackets). No
 * whitespace or CR/LF can pass, so the address is safe in an SMTP envelope and header.
 */
export const emailAddressSchema = {
  type: 'string',
  maxLength: 254,
  pattern: "^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$",
} as const;

export const directoryRecordSchema = {
  $id: 'https://bellwether.dev/schemas/directory.v1.json',
  title: 'bellwether.directory.v1',
  type: 'object',
  required: ['schemaVersion', 'kind', 'id', 'team', 'managers', 'deleted', 'updatedAt'],
  properties: {
    schemaVersion: { const: 1 },
    kind: { enum: ['csm', 'team'] },
    id: { type: 'string', pattern: directoryIdPattern },
    team: { type: ['string', 'null'], pattern: directoryIdPattern },
    managers: { type: 'array', maxItems: 100, items: { type: 'string', pattern: directoryIdPattern } },
    email: { type: ['string', 'null'], maxLength: emailAddressSchema.maxLength, pattern: emailAddressSchema.pattern },
    deleted: { type: 'boolean' },
    updatedAt: isoDateTime,
  },
} as const;

export const configActivationRecordSchema = {
  $id: 'https://bellwether.dev/schemas/config-activations.v1.json',
  title: 'bellwether.config-activations.v1',
  type: 'object',
  required: ['schemaVersion', 'kind', 'version', 'body', 'effectiveFrom', 'activatedAt', 'activatedBy'],
  properties: {
    schemaVersion: { const: 1 },
    kind: { enum: ['scorecard', 'rule-set', 'playbooks'] },
    version: { type: 'string', minLength: 1, maxLength: 100 },
    body: { type: 'object' },
    effectiveFrom: isoDateTime,
    activatedAt: isoDateTime,
    activatedBy: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

/** Limits of the native ingestion endpoint (defaults; the service can lower them by config). The shared set is `eventLimits`. */
export const ingestLimits = {
  maxEventsPerBatch: eventLimits.maxEventsPerBatch,
  maxIdLength: eventLimits.maxIdLength,
  maxTypeLength: eventLimits.maxTypeLength,
  maxPropertyDepth: eventLimits.maxPropertyDepth,
} as const;

/** POST /v1/events request body. Unknown top-level fields are refused, not ignored. */
export const ingestEventsRequestSchema = {
  $id: 'https://bellwether.dev/schemas/http/ingest-events-request.json',
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      maxItems: ingestLimits.maxEventsPerBatch,
      items: {
        type: 'object',
        required: ['id', 'type', 'accountId', 'timestamp'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1, maxLength: ingestLimits.maxIdLength, pattern: printableIdPattern },
          type: { type: 'string', minLength: 1, maxLength: ingestLimits.maxTypeLength, pattern: eventTypePattern },
          accountId: { type: 'string', minLength: 1, maxLength: ingestLimits.maxIdLength, pattern: printableIdPattern },
          userId: { type: 'string', minLength: 1, maxLength: ingestLimits.maxIdLength },
          timestamp: { type: 'string', format: 'date-time', maxLength: 40 },
          properties: { type: 'object' },
        },
      },
    },
  },
} as const;
