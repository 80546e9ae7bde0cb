import { routesRateLimitedInHandler, routesWithoutRateLimit } from '@bellwether/auth';
import { AccountOwnershipController } from './accounts/account-ownership.controller';
import { ApiKeysController } from './admin/api-keys.controller';
import { DirectoryController } from './directory/directory.controller';
import { EventsController } from './events/events.controller';
import { SegmentController } from './segment/segment.controller';

const controllers = [ApiKeysController, EventsController, SegmentController, DirectoryController, AccountOwnershipController];

it('rate-limits every authenticated route of ingestion (RateLimitGuard and a @RateLimitClass)', () => {
  expect(routesWithoutRateLimit(controllers, ['EventsController.ingest'])).toEqual([]);
});

it('names the routes that spend their allowance in the handler: POST /v1/events only (its 429 is tested in ingestion.int-spec.ts)', () => {
  expect(routesRateLimitedInHandler(controllers)).toEqual(['EventsController.ingest']);
});

it('counts a route marked @RateLimitedInHandler as unlimited unless it is named', () => {
  expect(routesWithoutRateLimit(controllers)).toEqual(['EventsController.ingest']);
});
