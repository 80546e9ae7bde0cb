import { IsIn, IsInt, Min } from 'class-validator';
import { CommonEnv } from '@bellwether/platform';

export class ScoringEnv extends CommonEnv {
  override PORT = 3001;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';

  /** Published score changes are kept in the outbox this long as history. */
  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 72;
}
