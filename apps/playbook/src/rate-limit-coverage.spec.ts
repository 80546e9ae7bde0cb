import { routesWithoutRateLimit } from '@bellwether/auth';
import { TasksController } from './tasks/tasks.controller';
import { PortfolioKpisController } from './kpis/portfolio-kpis.controller';

it('rate-limits every authenticated route of playbook (RateLimitGuard and a @RateLimitClass)', () => {
  expect(routesWithoutRateLimit([TasksController, PortfolioKpisController])).toEqual([]);
});
