import { accountEconomicsSchemas, emailAddressSchema, ingestEventsRequestSchema } from '@bellwether/contracts';
import { errorListLimits, requestSchemas } from '@bellwether/platform';
import { createApiKeyRequestSchema } from '../admin/create-api-key.dto';
import { segmentBatchSchema, segmentMessageSchema } from '@bellwether/ingestion-domain';

const errorList = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      maxItems: errorListLimits.maxProblems,
      description: `the first ${errorListLimits.maxProblems} problems in order; each path and message is cut to ${errorListLimits.maxTextLength} characters (ending in …)`,
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { index: { type: 'integer', description: 'the event (or message) in the batch' }, path: { type: 'string' }, message: { type: 'string' } },
      },
    },
    truncated: { type: 'integer', minimum: 1, description: 'how many more problems were found but left out; absent when none were' },
  },
};

const warningList = {
  type: 'array',
  description:
    'Present only when something was changed to make the batch processable: strings holding U+0000 or an unpaired UTF-16 surrogate (values and keys, any depth) got U+FFFD; on the Segment routes, an event time outside 2000-01-01 … now + the allowed skew was replaced by the time of receipt.',
  items: {
    type: 'object',
    required: ['path', 'message'],
    properties: { index: { type: 'integer', description: 'the event (or message) in the batch' }, path: { type: 'string' }, message: { type: 'string' } },
  },
};

const rateLimitHeaders = {
  'RateLimit-Limit': { schema: { type: 'integer' }, description: 'requests allowed in a burst' },
  'RateLimit-Remaining': { schema: { type: 'integer' } },
  'RateLimit-Reset': { schema: { type: 'integer' }, description: 'seconds until the allowance is full' },
};

const problem = (description: string, headers: Record<string, unknown> = {}) => ({
  description,
  headers,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
});

const commonRejections = {
  '400': problem('malformed: every problem is listed; nothing was published'),
  '401': problem('no valid API key', { 'WWW-Authenticate': { schema: { type: 'string' } } }),
  '403': problem('the key lacks the ingest scope'),
  '413': problem('body over MAX_BODY_BYTES (counted after decompression), or an event or Segment message over MAX_EVENT_BYTES'),
  '415': problem('an uncompressed body that is not application/json, text/json or text/plain, or a Content-Encoding other than gzip'),
  '429': problem('over the per-key rate limit', { 'Retry-After': { schema: { type: 'integer' } }, ...rateLimitHeaders }),
  '503': problem('Kafka did not acknowledge; nothing was accepted', { 'Retry-After': { schema: { type: 'integer' } } }),
};

const segmentResponse = {
  '200': {
    description: 'published (Segment-compatible answer, with Bellwether counts)',
    headers: rateLimitHeaders,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            success: { const: true },
            accepted: { type: 'integer' },
            duplicates: { type: 'integer', description: 'messages not published again: ids accepted within the dedup window, and repeats of a messageId within this batch' },
            skipped: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, reason: { type: 'string' } } } },
            warnings: { $ref: '#/components/schemas/Warnings' },
          },
        },
      },
    },
  },
  ...commonRejections,
};

/**
 * Every ingestion route reads its body the same way: JSON, as application/json or text/plain
 * (browser beacons), or gzip-compressed with any content type (RudderStack's SDK labels its gzip
 * bodies application/x-www-form-urlencoded).
 */
const ingestBody = (schema: string) => ({
  required: true,
  description: 'JSON. May be sent with `Content-Encoding: gzip`, whatever the content type; the size limits apply to the decompressed body.',
  content: {
    'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
    'text/plain': { schema: { $ref: `#/components/schemas/${schema}` } },
  },
});

const contentEncoding = { name: 'Content-Encoding', in: 'header', required: false, schema: { enum: ['gzip', 'x-gzip', 'identity'] } };

const segmentCall = (type: string) => ({
  post: {
    tags: ['segment'],
    summary: `Segment ${type} call`,
    security: [{ basic: [] }, { bearer: [] }],
    parameters: [contentEncoding],
    requestBody: ingestBody('SegmentMessage'),
    responses: segmentResponse,
  },
});

const apiKeySummary = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { enum: ['ingest', 'integrator', 'csm', 'manager', 'admin', 'accounts:write'] } },
    csmId: { type: ['string', 'null'] },
    team: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};

const adminDenied = { '401': problem('no valid key'), '403': problem('not an admin key') };
const directoryId = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' };
const pathId = (name: string) => ({ name, in: 'path', required: true, schema: directoryId });
const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const jsonAnswer = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } });
const teamEntry = { type: 'object', properties: { team: { type: 'string' }, managers: { type: 'array', items: { type: 'string' } }, updatedAt: { type: 'string', format: 'date-time' } } };
const csmEmail = { anyOf: [{ ...emailAddressSchema, description: 'An addr-spec (ana@acme.example), no display name: where playbook sends the email steps of the CSM’s accounts' }, { type: 'null' }] };
const csmEntry = { type: 'object', properties: { csmId: { type: 'string' }, team: { type: ['string', 'null'] }, email: csmEmail, updatedAt: { type: 'string', format: 'date-time' } } };
const nullableId = { anyOf: [directoryId, { type: 'null' }] };
const accountOwnership = {
  type: 'object',
  properties: {
    accountId: { type: 'string' },
    csmId: { type: ['string', 'null'] },
    team: { type: ['string', 'null'] },
    tier: { type: ['string', 'null'] },
    cacUsd: { type: ['number', 'null'], description: 'Cost to acquire the account, USD' },
    grossMarginPct: { type: ['number', 'null'], description: 'Gross margin, a fraction in [0, 1]' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};

/** The directory (teams, CSMs) and account ownership admin routes (issue 13). */
const directoryAndOwnershipPaths = {
  '/v1/admin/directory': {
    get: { tags: ['admin'], summary: 'The directory: teams with their managers, CSMs with their team and email address', security: [{ bearer: [] }], responses: { '200': jsonAnswer('the directory', { type: 'object', properties: { teams: { type: 'array', items: teamEntry }, csms: { type: 'array', items: csmEntry } } }), ...adminDenied } },
  },
  '/v1/admin/directory/audit': {
    get: {
      tags: ['admin'],
      summary: 'Who changed the directory or account ownership, newest first',
      security: [{ bearer: [] }],
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        { name: 'subject', in: 'query', schema: { type: 'string', description: 'csm:<id>, team:<team> or account:<id>' } },
      ],
      responses: { '200': { description: 'entries: id, at, actorKeyId, action, subject, before, after' }, '400': problem('invalid parameter (named)'), ...adminDenied },
    },
  },
  '/v1/admin/directory/teams/{team}': {
    put: {
      tags: ['admin'],
      summary: 'Create or replace a team and its managers',
      security: [{ bearer: [] }],
      parameters: [pathId('team')],
      requestBody: jsonBody({ type: 'object', required: ['managers'], additionalProperties: false, properties: { managers: { type: 'array', maxItems: 100, uniqueItems: true, items: directoryId } } }),
      responses: { '200': jsonAnswer('the team', teamEntry), '400': problem('invalid field (named)'), ...adminDenied },
    },
    delete: { tags: ['admin'], summary: 'Remove a team (refused while CSMs are in it)', security: [{ bearer: [] }], parameters: [pathId('team')], responses: { '204': { description: 'removed' }, '404': problem('no such team'), '409': problem('the team still has CSMs'), ...adminDenied } },
  },
  '/v1/admin/directory/csms/{csmId}': {
    put: {
      tags: ['admin'],
      summary: 'Put a CSM in a team (one in the directory), or in none (null), with their email address, or none (null or absent)',
      security: [{ bearer: [] }],
      parameters: [pathId('csmId')],
      requestBody: jsonBody({ type: 'object', required: ['team'], additionalProperties: false, properties: { team: nullableId, email: csmEmail } }),
      responses: { '200': jsonAnswer('the CSM', csmEntry), '400': problem('invalid field (named: a bad email is `email`), or a team not in the directory'), ...adminDenied },
    },
    delete: { tags: ['admin'], summary: 'Remove a CSM from the directory', security: [{ bearer: [] }], parameters: [pathId('csmId')], responses: { '204': { description: 'removed' }, '404': problem('no such CSM'), ...adminDenied } },
  },
  '/v1/admin/accounts/{id}': {
    get: { tags: ['admin'], summary: 'Account ownership and economics (CAC, gross margin) as the admin API last set them', security: [{ bearer: [] }], parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': jsonAnswer('the ownership (nulls if never set)', accountOwnership), '400': problem('invalid id'), ...adminDenied } },
    patch: {
      tags: ['admin'],
      summary: 'Change account ownership (owner CSM, team, tier) and economics (CAC in USD, gross margin as a fraction): a trusted source; absent fields stay, null unassigns or clears',
      security: [{ bearer: [] }],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: jsonBody({ type: 'object', minProperties: 1, additionalProperties: false, properties: { csmId: nullableId, team: nullableId, tier: nullableId, cacUsd: accountEconomicsSchemas.cacUsd, grossMarginPct: accountEconomicsSchemas.grossMarginPct } }),
      responses: { '200': jsonAnswer('the record after the change', accountOwnership), '400': problem('invalid field (named)'), ...adminDenied },
    },
  },
};

const newKey = { description: 'the key, shown once', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, key: { type: 'string' } } } } } };

/** The ingestion service's HTTP contract, built from the same schemas the service validates with. */
export function buildIngestionOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bellwether ingestion API',
      version: '1.0.0',
      description: 'Native and Segment-compatible event ingestion. 2xx only once every event is durably in Kafka (acks=all).',
    },
    servers: [{ url: 'http://localhost:3000' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer bwk_<id>_<secret>' },
        basic: { type: 'http', scheme: 'basic', description: 'Segment style: base64(<write key>:)' },
      },
      schemas: {
        Errors: errorList,
        Warnings: warningList,
        IngestEventsRequest: ingestEventsRequestSchema,
        SegmentMessage: segmentMessageSchema,
        SegmentBatch: segmentBatchSchema,
        ApiKeySummary: apiKeySummary,
      },
    },
    paths: {
      '/v1/events': {
        post: {
          tags: ['native'],
          summary: 'Ingest a batch of events (all or nothing)',
          security: [{ bearer: [] }],
          parameters: [contentEncoding],
          requestBody: ingestBody('IngestEventsRequest'),
          responses: {
            '202': {
              description: 'every event is durably in Kafka',
              headers: rateLimitHeaders,
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' }, warnings: { $ref: '#/components/schemas/Warnings' } } },
                },
              },
            },
            ...commonRejections,
          },
        },
      },
      '/v1/batch': {
        post: {
          tags: ['segment'],
          summary: 'Segment batch',
          security: [{ basic: [] }, { bearer: [] }],
          parameters: [contentEncoding],
          requestBody: ingestBody('SegmentBatch'),
          responses: segmentResponse,
        },
      },
      ...Object.fromEntries(['track', 'identify', 'group', 'page', 'screen', 'alias'].map((type) => [`/v1/${type}`, segmentCall(type)])),
      '/v1/admin/api-keys': {
        get: { tags: ['admin'], summary: 'List API keys (no secrets)', security: [{ bearer: [] }], responses: { '200': { description: 'the keys' }, '401': problem('no valid key'), '403': problem('not an admin key') } },
        post: {
          tags: ['admin'],
          summary: 'Create an API key',
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: createApiKeyRequestSchema,
              },
            },
          },
          responses: { '201': newKey, '400': problem('invalid field (named)'), '401': problem('no valid key'), '403': problem('not an admin key') },
        },
      },
      '/v1/admin/api-keys/{id}/rotate': {
        post: { tags: ['admin'], summary: 'New secret for a key', security: [{ bearer: [] }], parameters: [{ name: 'id', in: 'path', required: true, schema: requestSchemas.pathId }], responses: { '200': newKey, '404': problem('no active key with this id') } },
      },
      '/v1/admin/api-keys/{id}': {
        delete: { tags: ['admin'], summary: 'Revoke a key', security: [{ bearer: [] }], parameters: [{ name: 'id', in: 'path', required: true, schema: requestSchemas.pathId }], responses: { '204': { description: 'revoked' }, '404': problem('no active key with this id') } },
      },
      ...directoryAndOwnershipPaths,
      '/healthz': { get: { tags: ['ops'], summary: 'Liveness', responses: { '200': { description: 'the process answers' } } } },
      '/readyz': { get: { tags: ['ops'], summary: 'Readiness of each dependency', responses: { '200': { description: 'ready' }, '503': { description: 'a dependency is down' } } } },
      '/metrics': { get: { tags: ['ops'], summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
  };
}
