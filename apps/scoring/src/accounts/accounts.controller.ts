import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, DirectoryRing, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { Clock, parseRequestTime, RequestRejected, pathIdParams, requestSchemas, ValidParams, ValidQuery } from '@bellwether/platform';
import { accountLtv, dayOf, deriveSignals } from '@bellwether/scoring-domain';
import { AccountCache } from '../scores/account-cache';
import { ScorecardSource } from '../scorecards/scorecard-activations';
import { Account360Repository } from './account-360.repository';
import { mayReadAccount } from './account-access';

const MAX_HISTORY = 1000;

const accountParams = pathIdParams('id');
const noQuery = requestSchemas.nothing;
const historyQuery = { type: 'object', additionalProperties: false, properties: { from: requestSchemas.instant, to: requestSchemas.instant } };

export interface AccountView {
  readonly accountId: string;
  readonly attributes: Record<string, unknown>;
  readonly scores: unknown;
  readonly drivers: unknown;
  readonly signals: unknown;
  /** MRR × gross margin × expected lifetime (1 / monthly churn probability, capped). */
  readonly ltv: number | null;
  readonly scorecardVersion: string;
  readonly evaluatedAsOf: string | null;
  readonly openAlerts: unknown[];
  readonly activePlaybookRuns: unknown[];
  readonly updatedAt: string;
}

/** The 360 view and the score history (contracts.md "Read and work APIs"). */
@Controller('v1/accounts')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('read')
@RequireScope('integrator', 'csm', 'manager')
export class AccountsController {
  constructor(
    private readonly views: Account360Repository,
    private readonly cache: AccountCache,
    private readonly clock: Clock,
    private readonly directory: DirectoryRing,
    private readonly scorecards: ScorecardSource,
  ) {}

  @Get(':id')
  async view(@ValidParams(accountParams) { id: accountId }: { id: string }, @ValidQuery(noQuery) _query: object, @Req() request: AuthenticatedRequest): Promise<AccountView> {
    const view = await this.viewOf(accountId);
    this.authorize(request, accountId, view.attributes['csmId'] as string | undefined);
    return view;
  }

  @Get(':id/scores')
  async history(
    @ValidParams(accountParams) { id: accountId }: { id: string },
    @ValidQuery(historyQuery) query: { from?: string; to?: string },
    @Req() request: AuthenticatedRequest,
  ): Promise<{ accountId: string; scores: unknown[] }> {
    // Validated instants, handed to PostgreSQL in one canonical form.
    const [from, to] = [query.from, query.to].map((text) => (text === undefined ? null : new Date(parseRequestTime(text) as number).toISOString()));
    const view = await this.viewOf(accountId);
    this.authorize(request, accountId, view.attributes['csmId'] as string | undefined);
    const scores = await this.views.scoreHistory(accountId, from ?? null, to ?? null, MAX_HISTORY);
    return { accountId, scores };
  }

  private authorize(request: AuthenticatedRequest, accountId: string, ownerCsmId: string | undefined): void {
    const principal = request.principal;
    if (!principal || !mayReadAccount(principal, ownerCsmId, (team) => this.directory.csmsOfTeam(team))) throw notFound(accountId);
  }

  /** The cached view, or the one assembled from Postgres (cached under the lease taken with the miss). */
  private async viewOf(accountId: string): Promise<AccountView> {
    const cached = await this.cache.get<AccountView>(accountId);
    return cached.view ?? (await this.assemble(accountId, cached.lease));
  }

  private async assemble(accountId: string, lease: string | null): Promise<AccountView> {
    const stored = await this.views.findAccount(accountId);
    if (!stored) throw notFound(accountId);
    const asOf = stored.evaluatedAsOf ?? this.clock.nowIso();
    // The scorecard in force at the evaluation's event time (the one its score was made with).
    const scorecard = this.scorecards.timeline().at(asOf);
    const view: AccountView = {
      accountId,
      attributes: { ...stored.state.attributes },
      scores: stored.snapshot,
      drivers: stored.drivers,
      signals: deriveSignals(stored.state, dayOf(asOf), scorecard.signals),
      ltv: stored.snapshot ? accountLtv(stored.state.attributes.mrr, stored.snapshot.churnRisk) : null,
      scorecardVersion: scorecard.version,
      evaluatedAsOf: stored.evaluatedAsOf,
      openAlerts: await this.views.openAlertsOf(accountId),
      activePlaybookRuns: await this.views.activeRunsOf(accountId),
      updatedAt: stored.updatedAt,
    };
    await this.cache.put(accountId, view, lease);
    return view;
  }
}

function notFound(accountId: string): RequestRejected {
  return new RequestRejected(404, [{ path: 'id', message: `no account ${accountId.slice(0, 200)} visible to this key` }]);
}
