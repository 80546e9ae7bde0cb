import { accountEconomicsSchemas, emailAddressSchema } from '@bellwether/contracts';

/**
 * Request schemas of the directory and account-ownership admin routes, run by the shared
 * `ValidParams` / `ValidQuery` / `ValidBody` pipe (libs/platform), so a bad, unknown or repeated
 * field is a 400 naming it, as on every other route.
 */

/** Directory ids (CSM, team, manager) and account ownership values: as on keys' csmId and team. */
export const DIRECTORY_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const directoryId = { type: 'string', pattern: DIRECTORY_ID.source } as const;
const directoryIdOrNull = { anyOf: [directoryId, { type: 'null' }] } as const;

/** PUT /v1/admin/directory/teams/{team}: the team's managers. */
export const putTeamSchema = {
  type: 'object',
  required: ['managers'],
  additionalProperties: false,
  properties: { managers: { type: 'array', maxItems: 100, uniqueItems: true, items: directoryId } },
} as const;

/**
 * PUT /v1/admin/directory/csms/{csmId}: the team (in the directory), or null for none; and the
 * CSM's email address (libs/contracts `emailAddressSchema`: an addr-spec, `ana@acme.example`, no
 * display name), null or absent for none (a PUT replaces the entry, so absent clears it).
 */
export const putCsmSchema = {
  type: 'object',
  required: ['team'],
  additionalProperties: false,
  properties: { team: directoryIdOrNull, email: { anyOf: [emailAddressSchema, { type: 'null' }] } },
} as const;

/**
 * PATCH /v1/admin/accounts/{id}: absent leaves a field as it is, null unassigns (ownership) or
 * clears (economics) it. `cacUsd`: USD, a number ≥ 0; `grossMarginPct`: a fraction in [0, 1]
 * (0.8, not 80). The economics rule is libs/contracts' `accountEconomicsSchemas`, the one the KPI
 * read model applies to the event this change becomes.
 */
export const patchAccountOwnershipSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { csmId: directoryIdOrNull, team: directoryIdOrNull, tier: directoryIdOrNull, cacUsd: accountEconomicsSchemas.cacUsd, grossMarginPct: accountEconomicsSchemas.grossMarginPct },
} as const;

/** GET /v1/admin/directory/audit?limit=&subject= */
export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    subject: { type: 'string', pattern: '^(csm|team|account):.{1,200}$' },
  },
} as const;

export interface PutTeamBody {
  readonly managers: string[];
}
export interface PutCsmBody {
  readonly team: string | null;
  readonly email?: string | null;
}
export interface PatchAccountOwnershipBody {
  readonly csmId?: string | null;
  readonly team?: string | null;
  readonly tier?: string | null;
  readonly cacUsd?: number | null;
  readonly grossMarginPct?: number | null;
}
export interface AuditQuery {
  readonly limit?: number;
  readonly subject?: string;
}
