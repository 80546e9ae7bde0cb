import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { CommonEnv, DEFAULT_PROCESSED_IDS_RETENTION_DAYS, isSmtpUrl } from '@bellwether/platform';

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

  /**
   * Email delivery over SMTP: `smtp://[user:password@]host[:port]` (STARTTLS when the relay offers
   * it) or `smtps://…` (TLS from the start), login percent-encoded. Set, it sends every email step
   * (EMAIL_WEBHOOK_URL then carries none) and EMAIL_FROM is required; every email step must then
   * have a template (its own subject and text, or a built-in one), checked at start. A secret (the
   * password): never logged.
   */
  @IsOptional()
  @ValidateBy({ name: 'isSmtpUrl', validator: { validate: (value: unknown) => isSmtpUrl(value), defaultMessage: () => 'SMTP_URL must be smtp://[user:password@]host[:port] or smtps://… (no path)' } })
  SMTP_URL?: string;

  /** The sender of SMTP emails, `cs@example.com` or `Bellwether <cs@example.com>`; required with SMTP_URL. Its domain ends each Message-ID. */
  @ValidateIf((env: PlaybookEnv) => Boolean(env.SMTP_URL) || env.EMAIL_FROM !== undefined)
  @IsEmail({ allow_display_name: true }, { message: 'EMAIL_FROM must be an address (cs@example.com or "Bellwether <cs@example.com>"), and is required with SMTP_URL' })
  EMAIL_FROM?: string;

  /**
   * Where SMTP emails go when the account's owner CSM has no address in the directory (or the
   * account has no owner). Unset, such an email fails at once and its run is parked with the reason.
   */
  @IsOptional()
  @IsEmail({ allow_display_name: true }, { message: 'EMAIL_FALLBACK_TO must be an address (cs@example.com or "CS team <cs@example.com>")' })
  EMAIL_FALLBACK_TO?: string;

  /** Email delivery over a webhook, when SMTP_URL is not set: each email step is POSTed here (name of its template, not rendered). Neither set: email steps are marked skipped. */
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
