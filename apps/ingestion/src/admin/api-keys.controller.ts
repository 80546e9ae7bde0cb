import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards, ValidationPipe, type ValidationError } from '@nestjs/common';
import { RequestRejected, type RequestProblem } from '@bellwether/platform';
import { ApiKeyGuard, keyIdentityProblems, RequireScope } from '@bellwether/auth';
import { ApiKeysService, type ApiKeySummary } from '../api-keys/api-keys.service';
import { CreateApiKeyDto } from './create-api-key.dto';

/** DTO errors in the contract's shape, naming the field; unknown fields are refused. */
export const strictBody = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors: ValidationError[]) => new RequestRejected(400, flatten(errors)),
});

function flatten(errors: readonly ValidationError[], prefix = ''): RequestProblem[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

const KEY_ID = /^[A-Za-z0-9]{12}$/;

/** API keys: create, list, rotate, revoke. Admin scope only. Secrets are shown once. */
@Controller('v1/admin/api-keys')
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  async list(): Promise<{ keys: ApiKeySummary[] }> {
    return { keys: await this.keys.list() };
  }

  @Post()
  @HttpCode(201)
  create(@Body(strictBody) body: CreateApiKeyDto): Promise<{ id: string; key: string }> {
    // A key names who it acts for, nothing more: a csmId or team its scopes do not use is refused.
    const problems = keyIdentityProblems(body);
    if (problems.length > 0) throw new RequestRejected(400, problems);
    return this.keys.create(body);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  async rotate(@Param('id') id: string): Promise<{ id: string; key: string }> {
    const rotated = KEY_ID.test(id) ? await this.keys.rotate(id) : null;
    if (!rotated) throw new RequestRejected(404, [{ path: 'id', message: 'no active key with this id' }]);
    return rotated;
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!KEY_ID.test(id) || !(await this.keys.revoke(id))) throw new RequestRejected(404, [{ path: 'id', message: 'no active key with this id' }]);
  }
}
