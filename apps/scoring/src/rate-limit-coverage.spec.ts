import { routesWithoutRateLimit } from '@bellwether/auth';
import { AccountsController } from './accounts/accounts.controller';

it('rate-limits every authenticated route of scoring (RateLimitGuard and a @RateLimitClass)', () => {
  expect(routesWithoutRateLimit([AccountsController])).toEqual([]);
});
