import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { actorOf, ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { AdminAuditLog, type ConfigVersion, type ConfigVersionList, requestSchemas, type StoredAuditEntry, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import type { Scorecard } from '@bellwether/scoring-domain';
import { auditQuerySchema, scorecardBodySchema, versionParams, type AuditQuery } from './scorecards.dto';
import { ScorecardsService } from './scorecards.service';

const noQuery = requestSchemas.nothing;

/**
 * Scorecard versions (admin scope only; issue 18 §1): list, get, create a draft, validate,
 * activate, roll back. Versions are immutable; every change is audited (`GET /v1/admin/audit`).
 */
@Controller('v1/admin/scorecards')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class ScorecardsController {
  constructor(private readonly scorecards: ScorecardsService) {}

  @Get()
  list(@ValidQuery(noQuery) _query: object): Promise<ConfigVersionList> {
    return this.scorecards.list();
  }

  @Post()
  @HttpCode(201)
  create(@ValidBody(scorecardBodySchema) body: object, @Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.scorecards.create(actorOf(request), body);
  }

  @Post('validate')
  @HttpCode(200)
  validate(@ValidBody(scorecardBodySchema) body: object): { valid: true; scorecard: Scorecard } {
    return { valid: true, scorecard: this.scorecards.validate(body) };
  }

  @Post('rollback')
  @HttpCode(200)
  rollback(@Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.scorecards.rollback(actorOf(request));
  }

  @Get(':version')
  get(@ValidParams(versionParams) { version }: { version: string }, @ValidQuery(noQuery) _query: object): Promise<ConfigVersion> {
    return this.scorecards.get(version);
  }

  @Post(':version/activate')
  @HttpCode(200)
  activate(@ValidParams(versionParams) { version }: { version: string }, @Req() request: AuthenticatedRequest): Promise<ConfigVersion> {
    return this.scorecards.activate(actorOf(request), version);
  }
}

/** Scoring's admin audit (admin scope only): every scorecard change, newest first. */
@Controller('v1/admin/audit')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('admin')
@RequireScope('admin')
export class ScoringAuditController {
  constructor(private readonly audits: AdminAuditLog) {}

  @Get()
  async read(@ValidQuery(auditQuerySchema) query: AuditQuery): Promise<{ entries: StoredAuditEntry[] }> {
    return { entries: await this.audits.read(query.limit ?? 100, query.subject) };
  }
}

