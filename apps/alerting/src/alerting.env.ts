import { IsIn, IsInt, Min } from 'class-validator';
import { CommonEnv } from '@bellwether/platform';

export class AlertingEnv extends CommonEnv {
  override PORT = 3002;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';

  /** Alerts one account may open per contact-budget period (too much contact drives churn). */
  @IsInt()
  @Min(1)
  CONTACT_BUDGET_ALERTS = 5;

  @IsInt()
  @Min(1)
  CONTACT_BUDGET_PERIOD_DAYS = 7;

  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_HOURS = 72;
}
