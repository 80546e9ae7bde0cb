import { Controller, Get, HttpCode, Patch, Req, UseGuards } from '@nestjs/common';
import { eventLimits, trustedOnlyAttributes } from '@bellwether/contracts';
import { RequestRejected, ValidBody, ValidParams, ValidQuery, requestSchemas } from '@bellwether/platform';
import { actorOf, ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { patchAccountOwnershipSchema, type PatchAccountOwnershipBody } from '../directory/directory.dto';

// The id is checked by checkedAccountId (the events' accountId rule), after the shared storable-text rule.
const accountParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string' } } };
const noQuery = requestSchemas.nothing;
import { AccountOwnershipService, type AccountOwnership, type OwnershipPatch } from './account-ownership.service';

/** The fields a PATCH may name: ownership, then economics (the attributes only a trusted source sets). */
const PATCHABLE = trustedOnlyAttributes;

/**
 * Account ownership (owner CSM, team, tier; issue 13) and economics (CAC in USD, gross margin as
 * a fraction; issue 18) from the admin API: a trusted source. Admin scope only. GET answers what
 * this API last set (not changes a CRM sync sent as events).
 */
@Controller('v1/admin/accounts')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class AccountOwnershipController {
  constructor(private readonly ownership: AccountOwnershipService) {}

  @Get(':id')
  get(@ValidParams(accountParams) { id: accountId }: { id: string }, @ValidQuery(noQuery) _query: object): Promise<AccountOwnership> {
    return this.ownership.get(checkedAccountId(accountId));
  }

  /**
   * 200 with the record after the change; it reaches scoring (ownership) and the KPI read model
   * (economics) as a trusted `account.updated` event. A bad or unknown field is a 400 naming it,
   * and nothing changes.
   */
  @Patch(':id')
  @HttpCode(200)
  patch(@ValidParams(accountParams) { id: accountId }: { id: string }, @ValidBody(patchAccountOwnershipSchema) body: PatchAccountOwnershipBody, @Req() request: AuthenticatedRequest): Promise<AccountOwnership> {
    const patch: OwnershipPatch = Object.fromEntries(PATCHABLE.filter((name) => body[name] !== undefined).map((name) => [name, body[name] ?? null]));
    if (Object.keys(patch).length === 0) throw new RequestRejected(400, [{ path: '', message: `name at least one of ${PATCHABLE.join(', ')} (null unassigns or clears)` }]);
    return this.ownership.patch(actorOf(request), checkedAccountId(accountId), patch);
  }
}

function checkedAccountId(accountId: string): string {
  // Account ids are the events' accountId: 1..maxIdLength characters, no control characters.
  // eslint-disable-next-line no-control-regex
  if (accountId.length === 0 || accountId.length > eventLimits.maxIdLength || /[\u0000-\u001f\u007f]/.test(accountId)) {
    throw new RequestRejected(400, [{ path: 'id', message: `must be 1-${eventLimits.maxIdLength} characters without control characters` }]);
  }
  return accountId;
}
