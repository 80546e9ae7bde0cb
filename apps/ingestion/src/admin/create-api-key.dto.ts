import { apiKeyScopes } from '@bellwether/auth';

const PERSON_OR_TEAM = '^[A-Za-z0-9_.-]{1,100}$';

/**
 * The body of `POST /v1/admin/api-keys`, as a JSON Schema: the one the route validates with
 * (ValidBody, so U+0000 and unpaired surrogates are refused too) and the one the OpenAPI
 * document publishes. `csmId` is required when the scopes include `csm` (the CSM whose queue and
 * accounts the key may see); `keyIdentityProblems` (libs/auth) then refuses a csmId or team the
 * key's scopes do not use. The typed body is api-keys.service's CreateKeyRequest.
 */
export const createApiKeyRequestSchema = {
  type: 'object',
  required: ['name', 'scopes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    scopes: { type: 'array', minItems: 1, maxItems: apiKeyScopes.length, uniqueItems: true, items: { enum: [...apiKeyScopes] } },
    csmId: { type: 'string', pattern: PERSON_OR_TEAM, description: 'required on a key with the csm scope, refused (400) on any other' },
    team: { type: 'string', pattern: PERSON_OR_TEAM, description: 'required on a key with the manager scope, refused (400) on any other (team members come from the directory)' },
  },
  if: { required: ['scopes'], properties: { scopes: { type: 'array', contains: { const: 'csm' } } } },
  then: { required: ['csmId'] },
} as const;
