import { routesWithoutRateLimit } from '@bellwether/auth';
import { QueuesController } from './queues/queues.controller';

it('rate-limits every authenticated route of alerting (RateLimitGuard and a @RateLimitClass)', () => {
  expect(routesWithoutRateLimit([QueuesController])).toEqual([]);
});
