import { Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { RequestRejected, pathIdParams, requestSchemas, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import { ApiKeyGuard, keyIdentityProblems, RateLimitClass, RateLimitGuard, RequireScope } from '@bellwether/auth';
import { ApiKeysService, type ApiKeySummary, type CreateKeyRequest } from '../api-keys/api-keys.service';
import { createApiKeyRequestSchema } from './create-api-key.dto';

const keyParams = pathIdParams('id');
const noQuery = requestSchemas.nothing;

const KEY_ID = /^[A-Za-z0-9]{12}$/;

/** API keys: create, list, rotate, revoke. Admin scope only. Secrets are shown once. */
@Controller('v1/admin/api-keys')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  async list(@ValidQuery(noQuery) _query: object): Promise<{ keys: ApiKeySummary[] }> {
    return { keys: await this.keys.list() };
  }

  @Post()
  @HttpCode(201)
  create(@ValidBody(createApiKeyRequestSchema) body: CreateKeyRequest): Promise<{ id: string; key: string }> {
    // A key names who it acts for, nothing more: a csmId or team its scopes do not use is refused.
    const problems = keyIdentityProblems(body);
    if (problems.length > 0) throw new RequestRejected(400, problems);
    return this.keys.create(body);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  async rotate(@ValidParams(keyParams) { id }: { id: string }): Promise<{ id: string; key: string }> {
    const rotated = KEY_ID.test(id) ? await this.keys.rotate(id) : null;
    if (!rotated) throw new RequestRejected(404, [{ path: 'id', message: 'no active key with this id' }]);
    return rotated;
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@ValidParams(keyParams) { id }: { id: string }): Promise<void> {
    if (!KEY_ID.test(id) || !(await this.keys.revoke(id))) throw new RequestRejected(404, [{ path: 'id', message: 'no active key with this id' }]);
  }
}
