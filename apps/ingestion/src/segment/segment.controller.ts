import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { Clock, RequestRejected, type RequestProblem } from '@bellwether/platform';
import { ApiKeyGuard, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { mayChangeOwnership } from '../events/ownership-trust';
import { publishOrUnavailable } from '../events/publish-or-unavailable';
import { EventPublisher } from '../events/event-publisher.service';
import { IngestionEnv } from '../ingestion.env';
import { normalizeSegmentBatch, segmentCallAsBatch, segmentTypes, userIdsOf, type SegmentType, type TrackEventMap } from '@bellwether/ingestion-domain';
import { loadTrackEventMap } from './track-event-map.loader';
import { UserAccountsRepository } from './user-accounts.repository';

export interface SegmentResponse {
  readonly success: true;
  readonly accepted: number;
  readonly duplicates: number;
  readonly skipped: readonly { readonly index: number; readonly reason: string }[];
  /**
   * Only when there are any: strings changed to be storable, event times replaced by receivedAt,
   * ownership traits (csmId, team, tier) ignored because the key lacks the accounts:write scope.
   */
  readonly warnings?: readonly RequestProblem[];
}

/**
 * The Segment HTTP Tracking API (`/v1/track`, `/identify`, `/group`, `/page`, `/screen`,
 * `/alias`, `/batch`), so an unmodified Segment or RudderStack server SDK can point here.
 * Authentication: `Basic base64(<write key>:)` or `writeKey` in the body. Answers 200 like
 * Segment, with Bellwether's counts added; a malformed message fails the whole batch (400).
 */
@Controller('v1')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('ingest')
export class SegmentController {
  private readonly trackEventMap: TrackEventMap;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly userAccounts: UserAccountsRepository,
    private readonly env: IngestionEnv,
    private readonly clock: Clock,
  ) {
    this.trackEventMap = loadTrackEventMap(env.TRACK_EVENT_MAP_FILE);
  }

  @Post('batch')
  @HttpCode(200)
  @RequireScope('ingest')
  batch(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<SegmentResponse> {
    return this.ingest(body, mayChangeOwnership(request.principal));
  }

  /** A single call; its type is the path. */
  @Post([...segmentTypes])
  @HttpCode(200)
  @RequireScope('ingest')
  single(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<SegmentResponse> {
    const type = request.url.split('?')[0]?.split('/').pop() as SegmentType;
    const batch = segmentCallAsBatch(type, body);
    if (!batch) throw new RequestRejected(400, [{ path: '', message: 'body must be a JSON object' }]);
    return this.ingest(batch, mayChangeOwnership(request.principal));
  }

  /** `trusted`: the key may change account ownership (csmId, team, tier); otherwise those traits are ignored. */
  private async ingest(body: unknown, trusted: boolean): Promise<SegmentResponse> {
    const knownAccounts = await this.userAccounts.accountsOf(userIdsOf(body));
    const result = normalizeSegmentBatch(body, {
      receivedAtMs: this.clock.nowMs(),
      trackEventMap: this.trackEventMap,
      knownAccounts,
      limits: {
        maxEventsPerBatch: this.env.MAX_EVENTS_PER_BATCH,
        maxMessageBytes: this.env.MAX_EVENT_BYTES,
        maxPropertyDepth: this.env.MAX_PROPERTY_DEPTH,
        maxFutureSkewMs: this.env.MAX_FUTURE_SKEW_SECONDS * 1000,
      },
    });
    if (!result.ok) throw new RequestRejected(result.status, result.errors);
    // Links first: if publishing fails, the client's retry still resolves its users.
    await this.userAccounts.remember(result.links);
    const { accepted, duplicates, ignored } = await publishOrUnavailable(this.publisher, result.events, 'segment', { trusted, indexOf: () => undefined });
    // Repeats of a messageId within the batch are duplicates too, like retries of an accepted one.
    const answer: SegmentResponse = { success: true, accepted, duplicates: duplicates + result.duplicates, skipped: result.skipped };
    const warnings = [...result.warnings, ...ignored];
    return warnings.length > 0 ? { ...answer, warnings } : answer;
  }
}
