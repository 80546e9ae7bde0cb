import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ingestLimits } from '@bellwether/contracts';
import { CommonEnv } from '@bellwether/platform';

export class IngestionEnv extends CommonEnv {
  override PORT = 3000;

  /** Largest request body, bytes (contract default 500 KB). */
  @IsInt()
  @Min(1024)
  MAX_BODY_BYTES = 512_000;

  /** Largest single event, bytes (contract default 32 KB). */
  @IsInt()
  @Min(256)
  MAX_EVENT_BYTES = 32_768;

  /**
   * Most events (or Segment messages) in one request, on every route. Segment limits batches by
   * size only (500 KB, 32 KB per message), and SDKs may flush hundreds at once (analytics-node's
   * flushAt has no ceiling), so this only stops pathological batches: 5,000 events of ~100 bytes
   * already fill 500 KB.
   */
  @IsInt()
  @Min(1)
  @Max(ingestLimits.maxEventsPerBatch)
  MAX_EVENTS_PER_BATCH = ingestLimits.maxEventsPerBatch;

  /** Deepest nesting allowed inside `properties`. */
  @IsInt()
  @Min(1)
  @Max(32)
  MAX_PROPERTY_DEPTH = 8;

  /** Event timestamps further ahead of the server clock than this are refused. */
  @IsInt()
  @Min(0)
  MAX_FUTURE_SKEW_SECONDS = 300;

  /** Retries of an event id within this window publish nothing twice. */
  @IsInt()
  @Min(1)
  DEDUP_WINDOW_HOURS = 24;

  /** How long a verified API key is trusted before it is looked up again (revocation delay). */
  @IsInt()
  @Min(0)
  API_KEY_CACHE_SECONDS = 5;

  /** How long to wait for Kafka's acknowledgement before answering 503. */
  @IsInt()
  @Min(100)
  PUBLISH_TIMEOUT_MS = 10_000;

  /**
   * Most bytes of events one producer flush takes from the requests waiting for it (whole
   * requests, at least one). Concurrent requests share sends: those that arrive while a flush is
   * under way go out together in the next one, in sends of at most 512 KiB. Bounds what one flush
   * sends and so what the last request of it waits for.
   */
  @IsInt()
  @Min(524_288)
  PUBLISH_FLUSH_MAX_BYTES = 1_048_576;

  /** Requests per second per API key (a smooth rate; GCRA in Redis, shared by replicas). */
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_SECOND = 50;

  /** Requests a key may send at once above the smooth rate. */
  @IsInt()
  @Min(1)
  RATE_LIMIT_BURST = 100;

  /** Seconds between wall-clock watermark ticks (CLOCK_MODE=wall only). */
  @IsInt()
  @Min(1)
  CLOCK_TICK_SECONDS = 60;

  /** JSON object overriding entries of the Segment track-name → event-type table. */
  @IsOptional()
  @IsString()
  TRACK_EVENT_MAP_FILE?: string;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';
}
