import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CommonEnv, DEFAULT_PROCESSED_IDS_RETENTION_DAYS } from '@bellwether/platform';

export class ScoringEnv extends CommonEnv {
  override PORT = 3001;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';

  /**
   * Events more than this many days behind their account's newest event are recorded but not
   * scored (they fall outside the windows a score reads); they are never dead-lettered.
   */
  @IsInt()
  @Min(0)
  @Max(90)
  ALLOWED_LATENESS_DAYS = 30;

  /**
   * Bounded out-of-orderness: a day is closed for accounts whose own events have not closed it
   * only once the pipeline watermark is this many hours past its end, so data that arrives up to
   * this late never reads as silence. See docs/architecture.md, "Event time".
   */
  @IsInt()
  @Min(0)
  @Max(720)
  GRACE_PERIOD_HOURS = 48;

  /** Accounts re-scored per transaction during a day-roll, and during an admin re-score (`POST /v1/admin/rescores`). */
  @IsInt()
  @Min(1)
  DAY_ROLL_CHUNK = 500;

  /** How often the day-roll checks whether the watermark passed a day boundary, and the re-scorer looks for a re-score to run. */
  @IsInt()
  @Min(100)
  DAY_ROLL_INTERVAL_MS = 2000;

  /** How long a 360 view stays in Redis (it is also dropped on every change of the account). */
  @IsInt()
  @Min(1)
  ACCOUNT_CACHE_SECONDS = 600;

  /** A versioned scorecard (JSON) laid over the default one; see docs/architecture.md. */
  @IsOptional()
  @IsString()
  SCORECARD_FILE?: string;

  /**
   * Events partitions processed at once (each its own transaction). The events topic has 6
   * partitions (`topicSpecs`); more than one replica's share of them only idles.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  SCORING_PARTITIONS_CONCURRENTLY = 6;

  /**
   * Events per transaction: a larger partition batch is handled in chunks of this many. It bounds
   * the accounts held in memory per partition: at 500, peak RSS with 100,000 accounts measured
   * 1.18× that with 1,000 (1.46× at 1,000 events), at the same events/s for 1,000 accounts.
   */
  @IsInt()
  @Min(1)
  @Max(100_000)
  SCORING_MAX_EVENTS_PER_TRANSACTION = 500;

  /** Bytes fetched per events partition per fetch (caps the batch held in memory). */
  @IsInt()
  @Min(1024)
  SCORING_FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024;

  /** Bytes of one whole fetch of the events consumer, over its partitions. */
  @IsInt()
  @Min(1024)
  SCORING_FETCH_MAX_BYTES = 8 * 1024 * 1024;

  /**
   * Postgres connections of the service. Each concurrent partition holds one for its transaction
   * and its publish right after it; the side inputs' consumer, the day-roll, the relay and the
   * HTTP reads need some more: at least SCORING_PARTITIONS_CONCURRENTLY + 4 (checked at start).
   */
  @IsInt()
  @Min(5)
  @Max(200)
  DB_POOL_SIZE = 16;

  /**
   * Score changes are published right after their commit; the outbox relay only sweeps rows this
   * old (ms), which a crash or a failed send left behind, in per-account order.
   */
  @IsInt()
  @Min(100)
  OUTBOX_SWEEP_AFTER_MS = 5000;

  /** How often the relay looks for rows to sweep, ms. */
  @IsInt()
  @Min(50)
  OUTBOX_SWEEP_INTERVAL_MS = 1000;

  /**
   * Days the ids of processed messages are kept (then pruned by the `RetentionPruner`). At least 1;
   * the default 35 is longer than the 4-week retention of every topic this service consumes
   * (`topicSpecs` in libs/contracts), so any record Kafka can still redeliver is still
   * deduplicated and its effect stays exactly-once. Shorter breaks that for replays.
   */
  @IsInt()
  @Min(1)
  PROCESSED_IDS_RETENTION_DAYS = DEFAULT_PROCESSED_IDS_RETENTION_DAYS;
}

/** Why DB_POOL_SIZE cannot serve SCORING_PARTITIONS_CONCURRENTLY (a message naming both), or null. */
export function poolSizeProblem(env: Pick<ScoringEnv, 'DB_POOL_SIZE' | 'SCORING_PARTITIONS_CONCURRENTLY'>): string | null {
  const needed = env.SCORING_PARTITIONS_CONCURRENTLY + 4;
  return env.DB_POOL_SIZE < needed ? `DB_POOL_SIZE (${env.DB_POOL_SIZE}) must be at least SCORING_PARTITIONS_CONCURRENTLY + 4 (${needed})` : null;
}
