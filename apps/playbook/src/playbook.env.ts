import { IsIn, IsInt, Min } from 'class-validator';
import { CommonEnv } from '@bellwether/platform';

export class PlaybookEnv extends CommonEnv {
  override PORT = 3003;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';

  /** How often the scheduler looks for runs whose wait is over. */
  @IsInt()
  @Min(100)
  WAKE_POLL_INTERVAL_MS = 1000;

  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 72;
}
