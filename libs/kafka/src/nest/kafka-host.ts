import type { BackoffPolicy } from '../backoff';
import type { ConsumerLogger } from '../batch-consumer';

/**
 * What the Kafka wiring needs from the service that hosts it, as two small ports. The service's
 * platform (libs/platform's `ObservabilityModule`) provides them under `KAFKA_LOGGER` and
 * `KAFKA_HEALTH`, so this lib never imports the platform, which itself imports this lib (outbox
 * relay, pipeline clock): the dependency points one way only.
 */

/** A health status as `/readyz` and `/healthz` report it. */
export interface KafkaHealthStatus {
  readonly ok: boolean;
  readonly detail?: string;
}

/** Registers readiness and liveness checks (the platform's `HealthRegistry` is one). */
export interface KafkaHealthRegistration {
  /** A readiness check (`/readyz`); may do I/O. */
  register(name: string, check: () => Promise<KafkaHealthStatus> | KafkaHealthStatus): void;
  /** A liveness check (`/healthz`): answers from memory; false only when a restart of the process cures it. */
  registerLiveness(name: string, check: () => KafkaHealthStatus): void;
}

/** The service's structured logger: a message and its fields; `fatal` just before the process exits. */
export interface KafkaLogger extends ConsumerLogger {
  fatal(message: string, extra?: Record<string, unknown>): void;
}

/** Injection token of the host's `KafkaHealthRegistration`. */
export const KAFKA_HEALTH = Symbol('KAFKA_HEALTH');

/** Injection token of the host's `KafkaLogger`. */
export const KAFKA_LOGGER = Symbol('KAFKA_LOGGER');

/**
 * The consumer's retry settings in a service's validated env (libs/platform's `RetryEnv`
 * validates them). Read by `consumerRetrySettings`.
 */
export interface ConsumerRetryEnv {
  /** Growth of the backoff: delay n = initial × factor^(n-1), capped, ±20% jitter. */
  readonly BACKOFF_FACTOR: number;
  readonly CONSUMER_BACKOFF_INITIAL_MS: number;
  readonly CONSUMER_BACKOFF_MAX_MS: number;
  readonly CONSUMER_STALL_SECONDS: number;
  readonly CONSUMER_RESTART_ATTEMPTS: number;
}

/** Everything of a service's env the consumer reads (part of every service's `CommonEnv`). */
export interface ConsumerEnv extends ConsumerRetryEnv {
  readonly KAFKA_SESSION_TIMEOUT_MS: number;
}

/** The consumer's retry settings as `BatchConsumerOptions` takes them. */
export interface ConsumerRetrySettings {
  readonly backoff: BackoffPolicy;
  /** Liveness limit of the loop, in milliseconds. */
  readonly stallAfterMs: number;
  readonly restartAttempts: number;
}

/** Reads the consumer's retry settings from the env (seconds become milliseconds). */
export function consumerRetrySettings(env: ConsumerRetryEnv): ConsumerRetrySettings {
  return {
    backoff: { initialMs: env.CONSUMER_BACKOFF_INITIAL_MS, maxMs: env.CONSUMER_BACKOFF_MAX_MS, factor: env.BACKOFF_FACTOR },
    stallAfterMs: env.CONSUMER_STALL_SECONDS * 1000,
    restartAttempts: env.CONSUMER_RESTART_ATTEMPTS,
  };
}
