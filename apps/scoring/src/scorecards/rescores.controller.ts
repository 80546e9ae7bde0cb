import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { RequestRejected, requestSchemas, ValidParams, ValidQuery } from '@bellwether/platform';
import type { Rescore } from './rescore.repository';
import { Rescorer } from './rescorer';

const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string' } } } as const;

/**
 * Re-scores of all accounts with the active scorecard (admin scope only): `POST` asks for one
 * (202, run in chunks in the background, audited), `GET /{id}` reads its progress.
 */
@Controller('v1/admin/rescores')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class RescoresController {
  constructor(private readonly rescorer: Rescorer) {}

  @Post()
  @HttpCode(202)
  request(@Req() request: AuthenticatedRequest): Promise<Rescore> {
    if (!request.principal) throw new RequestRejected(401, [{ path: 'authorization', message: 'an API key is required (Authorization: Bearer <key>)' }]);
    return this.rescorer.request(request.principal.keyId);
  }

  @Get(':id')
  get(@ValidParams(idParams) { id }: { id: string }, @ValidQuery(requestSchemas.nothing) _query: object): Promise<Rescore> {
    return this.rescorer.find(id);
  }
}
