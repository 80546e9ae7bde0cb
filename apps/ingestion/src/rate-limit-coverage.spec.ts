import { routesWithoutRateLimit } from '@bellwether/auth';
import { ApiKeysController } from './admin/api-keys.controller';
import { EventsController } from './events/events.controller';
import { SegmentController } from './segment/segment.controller';

it('rate-limits every authenticated route of ingestion (RateLimitGuard and a @RateLimitClass)', () => {
  expect(routesWithoutRateLimit([ApiKeysController, EventsController, SegmentController])).toEqual([]);
});
