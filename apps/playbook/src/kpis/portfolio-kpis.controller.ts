import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DAY_MS, SEGMENTS, type AlertCategory, type AlertOutcome, type RunOutcome, type Segment } from '@bellwether/contracts';
import { ApiKeyGuard, hasScope, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest, type Principal } from '@bellwether/auth';
import { parseRequestTime, RequestRejected, requestSchemas, SERVICE_DATA_SOURCE, SingleFlightCache, ValidQuery, type RequestProblem } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { accountPeriodRecord, computePortfolioKpis, type KpiPeriod, type PortfolioKpiInput, type PortfolioKpis, type RevenueEntry } from '@bellwether/kpi-domain';

const ONBOARDING_DAYS = 90;
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
  ) {
    this.cache = new SingleFlightCache({
      ttlMs: env.KPI_CACHE_TTL_SECONDS * 1000,
      maxEntries: env.KPI_CACHE_MAX_ENTRIES,
      onLookup: (outcome) => cacheLookups.inc({ outcome }),
    });
  }

  @Get('kpis')
  async kpis(@Req() request: AuthenticatedRequest, @ValidQuery(kpiQuery) { from, to, segment }: { from?: string; to?: string; segment?: Segment }): Promise<PortfolioKpis> {
    const problems: RequestProblem[] = [];
    const end = to ? new Date(parseRequestTime(to) as number) : new Date();
    const start = from ? new Date(parseRequestTime(from) as number) : new Date(end.getTime() - 30 * DAY_MS);
    if (start >= end) problems.push({ path: 'from', message: 'must be before to' });
    if (problems.length === 0 && end.getTime() - start.getTime() > 3 * 366 * DAY_MS) problems.push({ path: 'from', message: 'the period may span at most three years' });
    if (problems.length > 0) throw new RequestRejected(400, problems);
    const key = [kpiBookScope(request.principal), from === undefined ? 'default' : start.toISOString(), to === undefined ? 'now' : end.toISOString(), segment ?? 'all'].join('|');
    return this.cache.get(key, async () => {
      const period = { start: start.toISOString(), end: end.toISOString(), months: (end.getTime() - start.getTime()) / (30.4375 * DAY_MS) };
      return computePortfolioKpis(await this.load(period), period, {}, segment ? { segment } : {});
    });
  }

  private async load(period: KpiPeriod): Promise<PortfolioKpiInput> {
    const until = period.end;
    const q = <T>(sql: string, params: unknown[] = []) => this.dataSource.query(sql, params) as Promise<T[]>;
    const segmentOf = new Map(
      (await q<{ account_id: string; segment: Segment }>(`SELECT account_id, snapshot->>'segment' AS segment FROM playbook.account_snapshots`)).map((row) => [row.account_id, row.segment]),
    );
    const segmentFor = (accountId: string): Segment => segmentOf.get(accountId) ?? 'stable';
    const accounts = await q<{ account_id: string; contract_start: Date | null; first_seen: Date; onboarded_at: Date | null }>(
      'SELECT account_id, contract_start, first_seen, onboarded_at FROM playbook.kpi_accounts',
    );
    const revenue = await q<{ account_id: string; at: Date; kind: string; amount: string }>('SELECT account_id, at, kind, amount FROM playbook.kpi_revenue WHERE at < $1 ORDER BY at', [until]);
    const revenueOf = new Map<string, RevenueEntry[]>();
    for (const row of revenue) {
      const entry: RevenueEntry =
        row.kind === 'subscription'
          ? { at: row.at.toISOString(), kind: 'subscription', mrr: Number(row.amount) }
          : row.kind === 'churned'
            ? { at: row.at.toISOString(), kind: 'churned' }
            : { at: row.at.toISOString(), kind: row.kind as 'expanded' | 'contracted', delta: Number(row.amount) };
      revenueOf.set(row.account_id, [...(revenueOf.get(row.account_id) ?? []), entry]);
    }
    const churnedAt = new Map([...revenueOf].map(([id, entries]) => [id, entries.find((entry) => entry.kind === 'churned')?.at ?? null]));
    const alerts = await q<{ alert_id: string; account_id: string; rule: string; category: AlertCategory; opened_at: Date; acknowledged_at: Date | null; resolved_at: Date | null; outcome: AlertOutcome | null }>(
      'SELECT alert_id, account_id, rule, category, opened_at, acknowledged_at, resolved_at, outcome FROM playbook.kpi_alerts',
    );
    const runs = await q<{ id: string; playbook_id: string; variant_id: string; account_id: string; created_at: Date; updated_at: Date; status: string; outcome: RunOutcome | null }>(
      'SELECT id, playbook_id, variant_id, account_id, created_at, updated_at, status, outcome FROM playbook.runs',
    );
    const nps = await q<{ account_id: string; at: Date; score: number }>('SELECT account_id, at, score FROM playbook.kpi_nps');
    return {
      accounts: accounts
        .filter((account) => revenueOf.has(account.account_id))
        .map((account) => {
          const start = account.contract_start ?? account.first_seen;
          return { accountId: account.account_id, segment: segmentFor(account.account_id), cohort: start.toISOString().slice(0, 7), revenue: revenueOf.get(account.account_id) ?? [] };
        })
        .map((facts) => accountPeriodRecord(facts, period)),
      npsResponses: nps.map((row) => ({ accountId: row.account_id, segment: segmentFor(row.account_id), score: row.score, at: row.at.toISOString() })),
      alerts: alerts.map((row) => ({
        alertId: row.alert_id,
        rule: row.rule,
        category: row.category,
        openedAt: row.opened_at.toISOString(),
        acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
        resolvedAt: row.resolved_at?.toISOString() ?? null,
        outcome: row.outcome,
        segment: segmentFor(row.account_id),
      })),
      runs: runs.map((row) => ({
        runId: row.id,
        playbookId: row.playbook_id,
        variantId: row.variant_id,
        accountId: row.account_id,
        startedAt: row.created_at.toISOString(),
        endedAt: ['completed', 'exited'].includes(row.status) ? row.updated_at.toISOString() : null,
        outcome: row.outcome,
      })),
      onboardings: accounts
        .filter((account) => account.contract_start)
        .map((account) => ({
          accountId: account.account_id,
          startedAt: (account.contract_start as Date).toISOString(),
          completedAt: account.onboarded_at?.toISOString() ?? null,
          dueAt: new Date((account.contract_start as Date).getTime() + ONBOARDING_DAYS * DAY_MS).toISOString(),
        })),
      riskDetections: alerts
        .filter((row) => row.rule === 'segment_at_risk')
        .map((row) => ({ accountId: row.account_id, detectedAt: row.opened_at.toISOString(), churnedAt: churnedAt.get(row.account_id) ?? null })),
    };
  }
}
