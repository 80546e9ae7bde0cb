import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Clock, RequestRejected, type RequestProblem } from '@bellwether/platform';
import { ApiKeyGuard, RateLimitClass, RateLimitedInHandler, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { mayChangeOwnership } from './ownership-trust';
import { IngestionEnv } from '../ingestion.env';
import { validateEventBatch, type BatchLimits, type NativeEvent } from '@bellwether/ingestion-domain';
import { countDedupUnavailable, EventPublisher } from './event-publisher.service';
import { IngestAdmission } from './ingest-admission';
import { publishOrUnavailable } from './publish-or-unavailable';

@Controller('v1')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('ingest')
export class EventsController {
  private readonly limits: BatchLimits;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly admission: IngestAdmission,
    private readonly rateLimit: RateLimitGuard,
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
   *
   * Rate-limited here rather than in RateLimitGuard, so a valid batch makes one Redis round trip
   * before it is published: the key's `ingest` allowance and the dedup check in one script
   * (`IngestAdmission.admit`). A refused batch spends its allowance alone; either way the answers
   * are the guard's (RateLimit-* headers, 429 with Retry-After over the limit, let through when
   * Redis does not answer).
   */
  @Post('events')
  @HttpCode(202)
  @RequireScope('ingest')
  @RateLimitedInHandler()
  async ingest(
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ accepted: number; duplicates: number; warnings?: readonly RequestProblem[] }> {
    const validation = validateEventBatch(body, this.limits, this.clock.nowMs());
    if (!validation.ok) {
      await this.rateLimit.enforce('ingest', request, reply);
      throw new RequestRejected(validation.status, validation.errors);
    }
    const seen = await this.admit(validation.events, request, reply);
    const { ignored, ...counts } = await publishOrUnavailable(this.publisher, validation.events, 'native', { trusted: mayChangeOwnership(request.principal), seen });
    const warnings = [...validation.warnings, ...ignored];
    return warnings.length > 0 ? { ...counts, warnings } : counts;
  }

  /** Spends the key's allowance (429 over it) and returns which events were seen, in one round trip; fails open. */
  private async admit(events: readonly NativeEvent[], request: AuthenticatedRequest, reply: FastifyReply): Promise<readonly boolean[]> {
    const keyId = request.principal?.keyId;
    const allowance = keyId ? { limiter: this.rateLimit.limiter('ingest'), key: this.rateLimit.allowanceKey('ingest', keyId) } : null;
    let admission;
    try {
      admission = await this.admission.admit(allowance, events.map((event) => event.id));
    } catch (error) {
      if (allowance) this.rateLimit.unavailable('ingest', error);
      countDedupUnavailable();
      return events.map(() => false);
    }
    if (admission.rate) this.rateLimit.answer('ingest', admission.rate, reply);
    return admission.seen;
  }
}
