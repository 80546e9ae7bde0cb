import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ApiKeyGuard, DirectoryRing, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { parseRequestTime, RequestRejected, pathIdParams, requestSchemas, SERVICE_DATA_SOURCE, ValidParams, ValidQuery } from '@bellwether/platform';
import { accountLtv, dayOf, deriveSignals, type Scorecard } from '@bellwether/scoring-domain';
import { AccountCache } from '../scores/account-cache';
import { AccountStateRepository } from '../scores/account-state.repository';
import { SCORECARD } from '../scores/scorecard.provider';
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
  private readonly repository = new AccountStateRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cache: AccountCache,
    private readonly directory: DirectoryRing,
    @Inject(SCORECARD) private readonly scorecard: Scorecard,
  ) {}

  @Get(':id')
  async view(@ValidParams(accountParams) { id: accountId }: { id: string }, @ValidQuery(noQuery) _query: object, @Req() request: AuthenticatedRequest): Promise<AccountView> {
    const view = (await this.cache.get<AccountView>(accountId)) ?? (await this.assemble(accountId));
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
    const view = (await this.cache.get<AccountView>(accountId)) ?? (await this.assemble(accountId));
    this.authorize(request, accountId, view.attributes['csmId'] as string | undefined);
    const scores = await this.repository.scoreHistory(this.dataSource.manager, accountId, from ?? null, to ?? null, MAX_HISTORY);
    return { accountId, scores };
  }

  private authorize(request: AuthenticatedRequest, accountId: string, ownerCsmId: string | undefined): void {
    const principal = request.principal;
    if (!principal || !mayReadAccount(principal, ownerCsmId, (team) => this.directory.csmsOfTeam(team))) throw notFound(accountId);
  }

  private async assemble(accountId: string): Promise<AccountView> {
    const manager = this.dataSource.manager;
    const stored = await this.repository.findAccount(manager, accountId);
    if (!stored) throw notFound(accountId);
    const asOf = stored.evaluatedAsOf ?? new Date().toISOString();
    const view: AccountView = {
      accountId,
      attributes: { ...stored.state.attributes },
      scores: stored.snapshot,
      drivers: stored.drivers,
      signals: deriveSignals(stored.state, dayOf(asOf), this.scorecard.signals),
      ltv: stored.snapshot ? accountLtv(stored.state.attributes.mrr, stored.snapshot.churnRisk) : null,
      scorecardVersion: this.scorecard.version,
      evaluatedAsOf: stored.evaluatedAsOf,
      openAlerts: await this.repository.openAlertsOf(manager, accountId),
      activePlaybookRuns: await this.repository.activeRunsOf(manager, accountId),
      updatedAt: stored.updatedAt,
    };
    await this.cache.put(accountId, view);
    return view;
  }
}

function notFound(accountId: string): RequestRejected {
  return new RequestRejected(404, [{ path: 'id', message: `no account ${accountId.slice(0, 200)} visible to this key` }]);
}
