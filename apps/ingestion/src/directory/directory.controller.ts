import { Controller, Delete, Get, HttpCode, Put, Req, UseGuards } from '@nestjs/common';
import { RequestRejected, ValidBody, ValidParams, ValidQuery, requestSchemas } from '@bellwether/platform';
import { actorOf, ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import type { StoredAuditEntry } from './admin-audit.repository';
import { auditQuerySchema, DIRECTORY_ID, putCsmSchema, putTeamSchema, type AuditQuery, type PutCsmBody, type PutTeamBody } from './directory.dto';

// Path ids are checked by checkedId (the directory's own form), after the shared storable-text rule.
const teamParams = { type: 'object', required: ['team'], additionalProperties: false, properties: { team: { type: 'string' } } };
const csmParams = { type: 'object', required: ['csmId'], additionalProperties: false, properties: { csmId: { type: 'string' } } };
const noQuery = requestSchemas.nothing;
import type { CsmEntry, TeamEntry } from './directory.repository';
import { DirectoryService, type DirectoryRefusal } from './directory.service';

/**
 * The directory of CSMs, teams and their managers (admin scope only). Team membership for every
 * access check comes from here (published on `bellwether.directory.v1`), never from keys. Every
 * change is audited (`GET /v1/admin/directory/audit`).
 */
@Controller('v1/admin/directory')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Get()
  list(@ValidQuery(noQuery) _query: object): Promise<{ teams: TeamEntry[]; csms: CsmEntry[] }> {
    return this.directory.list();
  }

  @Get('audit')
  async audit(@ValidQuery(auditQuerySchema) query: AuditQuery): Promise<{ entries: StoredAuditEntry[] }> {
    return { entries: await this.directory.audit(query.limit ?? 100, query.subject) };
  }

  @Put('teams/:team')
  @HttpCode(200)
  putTeam(@ValidParams(teamParams) { team }: { team: string }, @ValidBody(putTeamSchema) body: PutTeamBody, @Req() request: AuthenticatedRequest): Promise<TeamEntry> {
    return this.directory.putTeam(actorOf(request), checkedId('team', team), body.managers);
  }

  @Delete('teams/:team')
  @HttpCode(204)
  async deleteTeam(@ValidParams(teamParams) { team }: { team: string }, @Req() request: AuthenticatedRequest): Promise<void> {
    const refusal = await this.directory.deleteTeam(actorOf(request), checkedId('team', team));
    if (refusal) throw rejection(refusal, 'team', team);
  }

  @Put('csms/:csmId')
  @HttpCode(200)
  async putCsm(@ValidParams(csmParams) { csmId }: { csmId: string }, @ValidBody(putCsmSchema) body: PutCsmBody, @Req() request: AuthenticatedRequest): Promise<CsmEntry> {
    const result = await this.directory.putCsm(actorOf(request), checkedId('csmId', csmId), body.team, body.email ?? null);
    if ('refused' in result) throw rejection(result, 'team', body.team ?? '');
    return result;
  }

  @Delete('csms/:csmId')
  @HttpCode(204)
  async deleteCsm(@ValidParams(csmParams) { csmId }: { csmId: string }, @Req() request: AuthenticatedRequest): Promise<void> {
    const refusal = await this.directory.deleteCsm(actorOf(request), checkedId('csmId', csmId));
    if (refusal) throw rejection(refusal, 'csmId', csmId);
  }
}


/** A path id in the directory's form, else 400 naming the parameter. */
export function checkedId(name: string, value: string): string {
  if (!DIRECTORY_ID.test(value)) throw new RequestRejected(400, [{ path: name, message: 'must be 1-100 letters, digits, dots, dashes or underscores' }]);
  return value;
}

function rejection(refusal: DirectoryRefusal, path: string, value: string): RequestRejected {
  switch (refusal.refused) {
    case 'unknown-team':
      return new RequestRejected(400, [{ path, message: `team ${value} is not in the directory (PUT /v1/admin/directory/teams/${value} first)` }]);
    case 'team-has-csms':
      return new RequestRejected(409, [{ path, message: `team ${value} still has CSMs (${(refusal.detail ?? []).join(', ')}): move them first` }]);
    case 'not-found':
      return new RequestRejected(404, [{ path, message: `${value} is not in the directory` }]);
  }
}
