import { IsInt, IsNumber, Max, Min, ValidateBy, type ValidationOptions } from 'class-validator';
import { consumerRetrySettings, type BackoffPolicy } from '@bellwether/kafka';

/** The value must be at least the one of `property` (a backoff's cap is not below its first delay). */
function NotBelow(property: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBelow',
      constraints: [property],
      validator: {
        validate: (value: unknown, args) => typeof value === 'number' && value >= Number((args?.object as Record<string, unknown>)[property]),
        defaultMessage: (args) => `${args?.property ?? 'value'} must not be below ${property}`,
      },
    },
    options,
  );
}

/**
 * Every retry count and backoff of the services, in one place (issue 12: "retry counts and
 * backoffs come from one config"). Each service's env class inherits it through `CommonEnv`, so
 * a bad value stops the start naming the variable. `retryConfig` turns it into policies.
 */
export class RetryEnv {
  /** Growth of every backoff below: delay n = initial × factor^(n-1), capped, ±20% jitter. */
  @IsNumber()
  @Min(1)
  @Max(10)
  BACKOFF_FACTOR = 2;

  /** First delay before a consumer retries a (sub-)batch that failed transiently (database, Redis or broker unreachable, lock timeout…). */
  @IsInt()
  @Min(10)
  CONSUMER_BACKOFF_INITIAL_MS = 200;

  @IsInt()
  @NotBelow('CONSUMER_BACKOFF_INITIAL_MS')
  CONSUMER_BACKOFF_MAX_MS = 10_000;

  /** A consumer loop with a batch under way (e.g. retrying) or without a poll for this long fails /healthz. */
  @IsInt()
  @Min(10)
  CONSUMER_STALL_SECONDS = 120;

  /** Restarts of a consumer that crashed for good before the process exits (for its orchestrator to restart it). */
  @IsInt()
  @Min(0)
  @Max(100)
  CONSUMER_RESTART_ATTEMPTS = 5;

  /** Retries of one produce request (dead letters, outbox, ingestion) inside the Kafka client before the send fails. */
  @IsInt()
  @Min(0)
  @Max(20)
  KAFKA_PRODUCER_RETRIES = 5;

  /** First delay of the outbox relay after a failed publish pass. */
  @IsInt()
  @Min(10)
  OUTBOX_BACKOFF_INITIAL_MS = 200;

  @IsInt()
  @NotBelow('OUTBOX_BACKOFF_INITIAL_MS')
  OUTBOX_BACKOFF_MAX_MS = 10_000;

  /** Attempts of an alert webhook (alerting) before it is marked failed. */
  @IsInt()
  @Min(1)
  WEBHOOK_MAX_ATTEMPTS = 8;

  @IsInt()
  @Min(10)
  WEBHOOK_BACKOFF_INITIAL_MS = 1000;

  @IsInt()
  @NotBelow('WEBHOOK_BACKOFF_INITIAL_MS')
  WEBHOOK_BACKOFF_MAX_MS = 10 * 60_000;

  /** Attempts of an email or webhook step (playbook) before its run is parked with the error. */
  @IsInt()
  @Min(1)
  DELIVERY_MAX_ATTEMPTS = 6;

  @IsInt()
  @Min(10)
  DELIVERY_BACKOFF_INITIAL_MS = 1000;

  @IsInt()
  @NotBelow('DELIVERY_BACKOFF_INITIAL_MS')
  DELIVERY_BACKOFF_MAX_MS = 30 * 60_000;
}

/** The retry settings as the code uses them (milliseconds, policies for `backoffDelay`). */
export interface RetryConfig {
  readonly consumerBackoff: BackoffPolicy;
  readonly consumerStallMs: number;
  readonly consumerRestartAttempts: number;
  readonly producerRetries: number;
  readonly outboxBackoff: BackoffPolicy;
  readonly webhookBackoff: BackoffPolicy;
  readonly webhookMaxAttempts: number;
  readonly deliveryBackoff: BackoffPolicy;
  readonly deliveryMaxAttempts: number;
}

/** Reads the validated retry section of a service's env. */
export function retryConfig(env: RetryEnv): RetryConfig {
  const factor = env.BACKOFF_FACTOR;
  // The consumer's part is read where the consumer lives (libs/kafka), so it is read once.
  const consumer = consumerRetrySettings(env);
  return {
    consumerBackoff: consumer.backoff,
    consumerStallMs: consumer.stallAfterMs,
    consumerRestartAttempts: consumer.restartAttempts,
    producerRetries: env.KAFKA_PRODUCER_RETRIES,
    outboxBackoff: { initialMs: env.OUTBOX_BACKOFF_INITIAL_MS, maxMs: env.OUTBOX_BACKOFF_MAX_MS, factor },
    webhookBackoff: { initialMs: env.WEBHOOK_BACKOFF_INITIAL_MS, maxMs: env.WEBHOOK_BACKOFF_MAX_MS, factor },
    webhookMaxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    deliveryBackoff: { initialMs: env.DELIVERY_BACKOFF_INITIAL_MS, maxMs: env.DELIVERY_BACKOFF_MAX_MS, factor },
    deliveryMaxAttempts: env.DELIVERY_MAX_ATTEMPTS,
  };
}
