/**
 * Request schemas of the scorecard admin routes, run by the shared `ValidParams` / `ValidQuery` /
 * `ValidBody` pipe (libs/platform). A scorecard body itself is checked by `scorecardFromConfig`
 * (libs/scoring-domain), whose problems name their fields.
 */

export const versionParams = { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'string' } } } as const;

/** Any JSON object: what it must hold is `scorecardFromConfig`'s to say, field by field. */
export const scorecardBodySchema = { type: 'object' } as const;

/** GET /v1/admin/audit?limit=&subject= */
export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    subject: { type: 'string', pattern: '^(scorecard|rescore):.{1,200}$' },
  },
} as const;

export interface AuditQuery {
  readonly limit?: number;
  readonly subject?: string;
}
