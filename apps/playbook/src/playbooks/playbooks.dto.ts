/**
 * Request schemas of the playbook admin routes, run by the shared `ValidParams` / `ValidQuery` /
 * `ValidBody` pipe (libs/platform). A set's body itself is checked by `validatePlaybookSet`
 * (libs/playbook-domain), whose problems name their fields.
 */

export const versionParams = { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'string' } } } as const;

/** Any JSON object: what it must hold is `validatePlaybookSet`'s to say, field by field. */
export const playbookSetBodySchema = { type: 'object' } as const;

/** GET /v1/admin/audit?limit=&subject= (playbook's own audit: `playbooks:<version>`). */
export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    subject: { type: 'string', pattern: '^playbooks:.{1,200}$' },
  },
} as const;

export interface AuditQuery {
  readonly limit?: number;
  readonly subject?: string;
}
