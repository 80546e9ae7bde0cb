import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DAY_MS, SEGMENTS, type Segment } from '@bellwether/contracts';
import { ApiKeyGuard, hasScope, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest, type Principal } from '@bellwether/auth';
import { Clock, parseRequestTime, RequestRejected, requestSchemas, SERVICE_DATA_SOURCE, SingleFlightCache, ValidQuery, type RequestProblem } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { computePortfolioKpis, type PortfolioKpis } from '@bellwether/kpi-domain';
import { KpiReadModelRepository } from './kpi-read-model.repository';
import { portfolioKpiInput } from './portfolio-kpi-input';

const kpiQuery = { type: 'object', additionalProperties: false, properties: { from: requestSchemas.instant, to: requestSchemas.instant, segment: { enum: SEGMENTS } } };

const cacheLookups = new Counter({
  name: 'bellwether_kpi_cache_lookups_total',
  help: 'Portfolio KPI lookups by outcome: hit (a stored answer), shared (joined a computation under way), miss (computed)',
  labelNames: ['outcome'],
});

/**
 * Whose book the caller sees, part of the cache key: today every manager and integrator key sees
 * the whole portfolio, but a manager's answer is keyed by team so that scoping it later cannot
 * serve one team's KPIs to another.
 */
export function kpiBookScope(principal: Principal | undefined): string {
  if (!principal || hasScope(principal, 'integrator')) return 'portfolio';
  return `team:${principal.team ?? ''}`;
}

/**
 * GET /v1/portfolio/kpis: the KPIs of product.md for a period (default the last 30 days),
 * optionally for one segment, computed by the pure KPI library from this service's read models
 * (revenue, NPS and onboarding events; alert times and outcomes; playbook runs). Answers are
 * cached per (book scope, period, segment) for KPI_CACHE_TTL_SECONDS, and concurrent identical
 * requests share one computation: the reads are whole-table scans, and one looping key must not
 * slow everyone else. An answer is at most the TTL old; a period without `to` ends when the
 * computation started.
 */
@Controller('v1/portfolio')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('read')
@RequireScope('manager', 'integrator')
export class PortfolioKpisController {
  private readonly cache: SingleFlightCache<PortfolioKpis>;

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    env: PlaybookEnv,
    private readonly readModels: KpiReadModelRepository,
    private readonly clock: Clock,
  ) {
    this.cache = new SingleFlightCache({
      ttlMs: env.KPI_CACHE_TTL_SECONDS * 1000,
      maxEntries: env.KPI_CACHE_MAX_ENTRIES,
      now: () => this.clock.nowMs(),
      onLookup: (outcome) => cacheLookups.inc({ outcome }),
    });
  }

  /** The KPIs of a period (at most three years; 400 naming `from` otherwise), optionally of one segment. */
  @Get('kpis')
  async kpis(@Req() request: AuthenticatedRequest, @ValidQuery(kpiQuery) { from, to, segment }: { from?: string; to?: string; segment?: Segment }): Promise<PortfolioKpis> {
    const problems: RequestProblem[] = [];
    const end = to ? new Date(parseRequestTime(to) as number) : new Date(this.clock.nowMs());
    const start = from ? new Date(parseRequestTime(from) as number) : new Date(end.getTime() - 30 * DAY_MS);
    if (start >= end) problems.push({ path: 'from', message: 'must be before to' });
    if (problems.length === 0 && end.getTime() - start.getTime() > 3 * 366 * DAY_MS) problems.push({ path: 'from', message: 'the period may span at most three years' });
    if (problems.length > 0) throw new RequestRejected(400, problems);
    const key = [kpiBookScope(request.principal), from === undefined ? 'default' : start.toISOString(), to === undefined ? 'now' : end.toISOString(), segment ?? 'all'].join('|');
    return this.cache.get(key, async () => {
      const period = { start: start.toISOString(), end: end.toISOString(), months: (end.getTime() - start.getTime()) / (30.4375 * DAY_MS) };
      return computePortfolioKpis(portfolioKpiInput(await this.readModels.readModels(this.dataSource.manager, period.end), period), period, {}, segment ? { segment } : {});
    });
  }
}
