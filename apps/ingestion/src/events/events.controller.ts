import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { RequestRejected, type RequestProblem } from '@bellwether/platform';
import { ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope } from '@bellwether/auth';
import { IngestionEnv } from '../ingestion.env';
import { validateEventBatch, type BatchLimits } from './event-batch.validator';
import { EventPublisher } from './event-publisher.service';
import { publishOrUnavailable } from './publish-or-unavailable';

@Controller('v1')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('ingest')
export class EventsController {
  private readonly limits: BatchLimits;

  constructor(
    private readonly publisher: EventPublisher,
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
   * `warnings` (only when there are any) lists strings changed to be storable.
   */
  @Post('events')
  @HttpCode(202)
  @RequireScope('ingest')
  async ingest(@Body() body: unknown): Promise<{ accepted: number; duplicates: number; warnings?: readonly RequestProblem[] }> {
    const validation = validateEventBatch(body, this.limits, Date.now());
    if (!validation.ok) throw new RequestRejected(validation.status, validation.errors);
    const counts = await publishOrUnavailable(this.publisher, validation.events, 'native');
    return validation.warnings.length > 0 ? { ...counts, warnings: validation.warnings } : counts;
  }
}
