import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { Clock, RequestRejected, type RequestProblem } from '@bellwether/platform';
import { ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { mayChangeOwnership } from './ownership-trust';
import { IngestionEnv } from '../ingestion.env';
import { validateEventBatch, type BatchLimits } from '@bellwether/ingestion-domain';
import { EventPublisher } from './event-publisher.service';
import { publishOrUnavailable } from './publish-or-unavailable';

@Controller('v1')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('ingest')
export class EventsController {
  private readonly limits: BatchLimits;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    env: IngestionEnv,
  ) {
    this.limits = {
      maxEventsPerBatch: env.MAX_EVENTS_PER_BATCH,
      maxEventBytes: env.MAX_EVENT_BYTES,
      maxPropertyDepth: env.MAX_PROPERTY_DEPTH,
      maxFutureSkewMs: env.MAX_FUTURE_SKEW_SECONDS * 1000,
    };
  }

  /**
   * Native batch: 202 only once every event is durably in Kafka; a bad batch is refused whole.
   * `warnings` (only when there are any) lists strings changed to be storable and ownership
   * attributes ignored because the key lacks the accounts:write scope.
   */
  @Post('events')
  @HttpCode(202)
  @RequireScope('ingest')
  async ingest(@Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<{ accepted: number; duplicates: number; warnings?: readonly RequestProblem[] }> {
    const validation = validateEventBatch(body, this.limits, this.clock.nowMs());
    if (!validation.ok) throw new RequestRejected(validation.status, validation.errors);
    const { ignored, ...counts } = await publishOrUnavailable(this.publisher, validation.events, 'native', { trusted: mayChangeOwnership(request.principal) });
    const warnings = [...validation.warnings, ...ignored];
    return warnings.length > 0 ? { ...counts, warnings } : counts;
  }
}
