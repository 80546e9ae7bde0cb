import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedRequest, Principal } from '@bellwether/auth';
import { FixedClock, RequestRejected } from '@bellwether/platform';
import { FakeKpiReadModelRepository } from '../repositories.fake';
import { PlaybookEnv } from '../playbook.env';
import { kpiBookScope, PortfolioKpisController } from './portfolio-kpis.controller';

const manager: Principal = { keyId: 'key_mgr', scopes: ['manager'], csmId: null, team: 'emea' };
const integrator: Principal = { keyId: 'key_int', scopes: ['integrator'], csmId: null, team: null };
const request = { principal: manager } as AuthenticatedRequest;

describe('PortfolioKpisController', () => {
  const start = Date.parse('2026-09-15T08:30:00.000Z');
  let clock: FixedClock;
  let readModels: FakeKpiReadModelRepository;
  let controller: PortfolioKpisController;

  beforeEach(() => {
    clock = new FixedClock(start);
    readModels = new FakeKpiReadModelRepository();
    const env = Object.assign(new PlaybookEnv(), { KPI_CACHE_TTL_SECONDS: 30, KPI_CACHE_MAX_ENTRIES: 10 });
    // The controller uses only `manager` of the data source, handed to the repository.
    const dataSource = { manager: {} as EntityManager } as unknown as DataSource;
    controller = new PortfolioKpisController(dataSource, env, readModels, clock);
  });

  it("a period without from and to is the 30 days up to the injected clock's now, and revenue is read before its end", async () => {
    const answer = await controller.kpis(request, {});

    expect(answer.period).toEqual({ start: '2026-08-16T08:30:00.000Z', end: '2026-09-15T08:30:00.000Z', months: 30 / 30.4375 });
    expect(readModels.reads).toEqual(['2026-09-15T08:30:00.000Z']);
  });

  it('serves a cached answer until the TTL has passed on the injected clock, then computes a new one ending at the new now', async () => {
    await controller.kpis(request, {});
    clock.advance(29_999);
    await controller.kpis(request, {});
    expect(readModels.reads).toHaveLength(1);

    clock.advance(1);
    const fresh = await controller.kpis(request, {});
    expect(readModels.reads).toEqual(['2026-09-15T08:30:00.000Z', '2026-09-15T08:30:30.000Z']);
    expect(fresh.period.end).toBe('2026-09-15T08:30:30.000Z');
  });

  it('rejects a period that ends before it starts or spans more than three years, naming from', async () => {
    for (const query of [{ from: '2026-09-15T00:00:00Z', to: '2026-09-01T00:00:00Z' }, { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }]) {
      const error = await controller.kpis(request, query).then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(RequestRejected);
      expect((error as RequestRejected).getStatus()).toBe(400);
      expect((error as RequestRejected).errors.map((problem) => problem.path)).toEqual(['from']);
    }
    expect(readModels.reads).toEqual([]);
  });

  it('keys answers by book: the portfolio for integrator keys, the team for manager keys', () => {
    expect(kpiBookScope(integrator)).toBe('portfolio');
    expect(kpiBookScope(manager)).toBe('team:emea');
  });
});
