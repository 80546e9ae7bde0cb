import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { actorOf, ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { AdminAuditLog, type ConfigVersion, type ConfigVersionList, requestSchemas, type StoredAuditEntry, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import type { PlaybookSet } from '@bellwether/playbook-domain';
import { auditQuerySchema, playbookSetBodySchema, versionParams, type AuditQuery } from './playbooks.dto';
import { PlaybooksService } from './playbooks.service';

const noQuery = requestSchemas.nothing;

/**
 * Versions of the set of playbooks (admin scope only; issue 18 §1): list, get, create a draft,
 * validate, activate, roll back. Versions are immutable; every change is audited (`GET /v1/admin/audit`).
 */
@Controller('v1/admin/playbooks')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class PlaybooksController {
  constructor(private readonly playbooks: PlaybooksService) {}

  @Get()
  list(@ValidQuery(noQuery) _query: object): Promise<ConfigVersionList> {
    return this.playbooks.list();
  }

  @Post()
  @HttpCode(201)
  create(@ValidBody(playbookSetBodySchema) body: object, @Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.playbooks.create(actorOf(request), body);
  }

  @Post('validate')
  @HttpCode(200)
  validate(@ValidBody(playbookSetBodySchema) body: object): { valid: true; playbooks: PlaybookSet } {
    return { valid: true, playbooks: this.playbooks.validate(body) };
  }

  @Post('rollback')
  @HttpCode(200)
  rollback(@Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.playbooks.rollback(actorOf(request));
  }

  @Get(':version')
  get(@ValidParams(versionParams) { version }: { version: string }, @ValidQuery(noQuery) _query: object): Promise<ConfigVersion> {
    return this.playbooks.get(version);
  }

  @Post(':version/activate')
  @HttpCode(200)
  activate(@ValidParams(versionParams) { version }: { version: string }, @Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.playbooks.activate(actorOf(request), version);
  }
}

/** Playbook's admin audit (admin scope only): every change of the playbook sets, newest first. */
@Controller('v1/admin/audit')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class PlaybookAuditController {
  constructor(private readonly audits: AdminAuditLog) {}

  @Get()
  async read(@ValidQuery(auditQuerySchema) query: AuditQuery): Promise<{ entries: StoredAuditEntry[] }> {
    return { entries: await this.audits.read(query.limit ?? 100, query.subject) };
  }
}
