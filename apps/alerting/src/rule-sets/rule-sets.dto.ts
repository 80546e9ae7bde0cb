/**
 * Request schemas of the rule-set admin routes, run by the shared `ValidParams` / `ValidQuery` /
 * `ValidBody` pipe (libs/platform). A rule set body itself is checked by `ruleSetFromConfig`
 * (libs/alerting-domain), whose problems name their fields.
 */

export const versionParams = { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'string' } } } as const;

/** Any JSON object: what it must hold is `ruleSetFromConfig`'s to say, field by field. */
export const ruleSetBodySchema = { type: 'object' } as const;

/** GET /v1/admin/audit?limit=&subject= on alerting. */
export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    subject: { type: 'string', pattern: '^rule-set:.{1,200}$' },
  },
} as const;

export interface AuditQuery {
  readonly limit?: number;
  readonly subject?: string;
}
