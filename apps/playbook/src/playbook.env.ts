import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { CommonEnv, DEFAULT_PROCESSED_IDS_RETENTION_DAYS } from '@bellwether/platform';

export class PlaybookEnv extends CommonEnv {
  override PORT = 3003;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';

  /** How often the scheduler looks for runs whose wait is over. */
  @IsInt()
  @Min(100)
  WAKE_POLL_INTERVAL_MS = 1000;

  /**
   * Days the ids of processed messages are kept (then pruned by the `RetentionPruner`). At least 1;
   * the default 35 is longer than the 4-week retention of every topic this service consumes
   * (`topicSpecs` in libs/contracts), so any record Kafka can still redeliver is still
   * deduplicated and its effect stays exactly-once. Shorter breaks that for replays.
   */
  @IsInt()
  @Min(1)
  PROCESSED_IDS_RETENTION_DAYS = DEFAULT_PROCESSED_IDS_RETENTION_DAYS;

  /** A folder of playbook definitions (*.json), validated at start, used instead of the built-ins. */
  @IsOptional()
  @IsString()
  PLAYBOOKS_DIR?: string;

  /** Email delivery adapter: each email step is POSTed here (an SMTP relay is a later adapter). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  EMAIL_WEBHOOK_URL?: string;

  /**
   * Optional: signs every webhook and email step delivery (`Bellwether-Signature: t=…,v1=…`,
   * HMAC-SHA256 of `"<t>.<body>"`, as alerting's webhook). Unset, deliveries go unsigned. A
   * secret: never logged.
   */
  @IsOptional()
  @IsString()
  PLAYBOOK_WEBHOOK_SECRET?: string;

  /**
   * How long a portfolio KPI answer is served from the cache, seconds: the most its data can lag
   * the read models. 0 stores nothing (identical requests under way still share one computation).
   */
  @IsInt()
  @Min(0)
  KPI_CACHE_TTL_SECONDS = 30;

  /** Most cached KPI answers (one per book scope, period and segment); the oldest is dropped first. */
  @IsInt()
  @Min(1)
  KPI_CACHE_MAX_ENTRIES = 1000;

  /**
   * Partitions of `bellwether.events.v1` the KPI projection (its own consumer group) applies at
   * once, 1–64: each is one transaction and one statement per batch, so up to this many run in
   * parallel on the database pool. The topic has 6 partitions.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY = 3;

  /**
   * Most bytes fetched per partition of `bellwether.events.v1` (at least 1 KiB): bounds one batch,
   * hence one projection statement and its JSON document.
   */
  @IsInt()
  @Min(1024)
  PLAYBOOK_EVENTS_MAX_BYTES_PER_PARTITION = 1024 * 1024;
}
