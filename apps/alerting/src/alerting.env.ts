import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateBy, ValidateIf } from 'class-validator';
import { CommonEnv, DEFAULT_PROCESSED_IDS_RETENTION_DAYS } from '@bellwether/platform';

export class AlertingEnv extends CommonEnv {
  override PORT = 3002;

  @IsIn(['true', 'false'])
  KAFKA_ENSURE_TOPICS: 'true' | 'false' = 'true';

  /**
   * New queue items (incidents) one account may open per contact-budget period (too much contact
   * drives churn). An alert that joins an active incident of its category spends none.
   */
  @IsInt()
  @Min(1)
  CONTACT_BUDGET_ALERTS = 5;

  @IsInt()
  @Min(1)
  CONTACT_BUDGET_PERIOD_DAYS = 7;

  /**
   * Days the ids of processed messages are kept (then pruned by the `RetentionPruner`). At least 1;
   * the default 35 is longer than the 4-week retention of every topic this service consumes
   * (`topicSpecs` in libs/contracts), so any record Kafka can still redeliver is still
   * deduplicated and its effect stays exactly-once. Shorter breaks that for replays.
   */
  @IsInt()
  @Min(1)
  PROCESSED_IDS_RETENTION_DAYS = DEFAULT_PROCESSED_IDS_RETENTION_DAYS;

  /** A critical (P1) alert not acknowledged within this many seconds escalates to the manager queue. */
  @IsInt()
  @Min(1)
  ESCALATION_SLA_SECONDS = 4 * 3600;

  /** How often SLAs and snoozes are checked. */
  @IsInt()
  @Min(100)
  ALERT_TIMERS_INTERVAL_MS = 5000;

  /** Team (manager queue) for escalations whose CSM names no team. */
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/)
  DEFAULT_ESCALATION_TEAM = 'default';

  /** Queue SSE streams one API key may hold open on a replica; one more is answered 429. */
  @IsInt()
  @Min(1)
  MAX_STREAMS_PER_KEY = 5;

  /**
   * How often an open stream re-checks its key and access even without a change notification (a
   * floor; revokes, rotations and access-data changes re-check at once). Keep it at most
   * ingestion's API_KEY_CACHE_SECONDS (5), so a stream never outlives its key longer than a
   * cached request would.
   */
  @IsInt()
  @Min(1)
  @Max(300)
  STREAM_ACCESS_CHECK_SECONDS = 5;

  /**
   * A versioned rule set (JSON, the shape of config/rule-sets/default.json) that alerting runs
   * instead of the built-in `defaultRuleSet`; a bad file stops the start naming the field.
   */
  @IsOptional()
  @IsString()
  RULES_FILE?: string;

  /** Optional: every lifecycle event is also POSTed here, signed with WEBHOOK_SECRET. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  WEBHOOK_URL?: string;

  /**
   * Which lifecycle events go to WEBHOOK_URL: `alerts` (per rule, the default, as before
   * incidents), `incidents` (per incident) or both (`alerts,incidents`). Opt-in, so an existing
   * receiver never gets a payload shape it did not ask for.
   */
  @IsIn(['alerts', 'incidents', 'alerts,incidents', 'incidents,alerts'])
  WEBHOOK_EVENTS: 'alerts' | 'incidents' | 'alerts,incidents' | 'incidents,alerts' = 'alerts';

  /**
   * The body the webhook gets: `bellwether` (the lifecycle event's JSON, signed; the default) or
   * `slack` (a Slack incoming-webhook message per incident event, `slackIncidentMessage`: account
   * linked to CONSOLE_BASE_URL, severity, reasons, with a text fallback). `slack` formats
   * incidents only, so it needs WEBHOOK_EVENTS=incidents and CONSOLE_BASE_URL; its WEBHOOK_SECRET
   * is optional (a Slack webhook URL is its own secret and Slack checks no signature).
   */
  @IsIn(['bellwether', 'slack'])
  @ValidateBy({
    name: 'slackFormatsIncidents',
    validator: {
      validate: (value: unknown, args) => value !== 'slack' || (args?.object as AlertingEnv).WEBHOOK_EVENTS === 'incidents',
      defaultMessage: () => 'WEBHOOK_FORMAT=slack formats incident events only: set WEBHOOK_EVENTS=incidents',
    },
  })
  WEBHOOK_FORMAT: 'bellwether' | 'slack' = 'bellwether';

  /**
   * Where people open an account: Slack messages link `<CONSOLE_BASE_URL>/accounts/<account id>`.
   * Required with WEBHOOK_FORMAT=slack.
   */
  @ValidateIf((env: AlertingEnv) => env.WEBHOOK_FORMAT === 'slack' || env.CONSOLE_BASE_URL !== undefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'CONSOLE_BASE_URL must be an http(s) URL (required with WEBHOOK_FORMAT=slack)' })
  CONSOLE_BASE_URL?: string;

  @ValidateIf((env: AlertingEnv) => (Boolean(env.WEBHOOK_URL) && env.WEBHOOK_FORMAT !== 'slack') || env.WEBHOOK_SECRET !== undefined)
  @IsString()
  @MinLength(16, { message: 'WEBHOOK_SECRET must be at least 16 characters when WEBHOOK_URL is set' })
  WEBHOOK_SECRET?: string;
}
