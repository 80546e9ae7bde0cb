import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { RuleSet } from '@bellwether/alerting-domain';
import { actorOf, ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { AdminAuditLog, type ConfigVersion, type ConfigVersionList, requestSchemas, type StoredAuditEntry, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import { auditQuerySchema, ruleSetBodySchema, versionParams, type AuditQuery } from './rule-sets.dto';
import { RuleSetsService } from './rule-sets.service';

const noQuery = requestSchemas.nothing;

/**
 * Alert rule set versions (admin scope only; issue 18 §1), as scoring's scorecards: list, get,
 * create a draft, validate, activate, roll back. Versions are immutable; every change is audited
 * (`GET /v1/admin/audit` on alerting).
 */
@Controller('v1/admin/rule-sets')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class RuleSetsController {
  constructor(private readonly ruleSets: RuleSetsService) {}

  @Get()
  list(@ValidQuery(noQuery) _query: object): Promise<ConfigVersionList> {
    return this.ruleSets.list();
  }

  @Post()
  @HttpCode(201)
  create(@ValidBody(ruleSetBodySchema) body: object, @Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.ruleSets.create(actorOf(request), body);
  }

  @Post('validate')
  @HttpCode(200)
  validate(@ValidBody(ruleSetBodySchema) body: object): { valid: true; ruleSet: RuleSet } {
    return { valid: true, ruleSet: this.ruleSets.validate(body) };
  }

  @Post('rollback')
  @HttpCode(200)
  rollback(@Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.ruleSets.rollback(actorOf(request));
  }

  @Get(':version')
  get(@ValidParams(versionParams) { version }: { version: string }, @ValidQuery(noQuery) _query: object): Promise<ConfigVersion> {
    return this.ruleSets.get(version);
  }

  @Post(':version/activate')
  @HttpCode(200)
  activate(@ValidParams(versionParams) { version }: { version: string }, @Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.ruleSets.activate(actorOf(request), version);
  }
}

/** Alerting's admin audit (admin scope only): every rule set change, newest first. */
@Controller('v1/admin/audit')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class AlertingAuditController {
  constructor(private readonly audits: AdminAuditLog) {}

  @Get()
  async read(@ValidQuery(auditQuerySchema) query: AuditQuery): Promise<{ entries: StoredAuditEntry[] }> {
    return { entries: await this.audits.read(query.limit ?? 100, query.subject) };
  }
}
