import type { INestApplication } from '@nestjs/common';
import { KafkaBatchTransport, KafkaConnection, MessageProducer, type RecordDecoder } from '@bellwether/kafka';
import type { CommonEnv } from '../config/env';
import { retryConfig } from '../config/retry-env';
import { HealthRegistry } from '../health/health.registry';
import { structuredLogger, type AppLogger } from '../logging/logger';
import { APP_LOGGER } from '../tokens';

/** Exit status when a consumer loop is gone for good (EX_SOFTWARE): the orchestrator restarts the process. */
export const CONSUMER_GAVE_UP_EXIT_CODE = 70;

/**
 * The service's batch consumer as a Nest transport, wired to the app's Kafka client, producer
 * (for dead letters), logger and retry config (`env`: backoff, stall limit, restarts). Its loop is
 * reported by /readyz (not ready while crashed or retrying) and /healthz (not live once stalled for
 * CONSUMER_STALL_SECONDS). If restarting a crashed consumer fails CONSUMER_RESTART_ATTEMPTS times,
 * the process exits so that it is restarted.
 */
export function consumerTransport(
  app: INestApplication,
  options: { groupId: string; decoders: Readonly<Record<string, RecordDecoder<unknown>>>; env: CommonEnv; exit?: (code: number) => void },
): KafkaBatchTransport {
  const appLogger = app.get<AppLogger>(APP_LOGGER);
  const retry = retryConfig(options.env);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const transport = new KafkaBatchTransport({
    connection: app.get(KafkaConnection),
    deadLetters: app.get(MessageProducer),
    logger: structuredLogger(appLogger),
    groupId: options.groupId,
    decoders: options.decoders,
    sessionTimeoutMs: options.env.KAFKA_SESSION_TIMEOUT_MS,
    backoff: retry.consumerBackoff,
    stallAfterMs: retry.consumerStallMs,
    restartAttempts: retry.consumerRestartAttempts,
    onGaveUp: (error) => {
      appLogger.fatal({ err: error, groupId: options.groupId }, `consumer ${options.groupId} could not rejoin its group; exiting so the process is restarted`);
      exit(CONSUMER_GAVE_UP_EXIT_CODE);
    },
  });
  const health = app.get(HealthRegistry);
  health.register('consumer', () => {
    const status = transport.health();
    return { ok: status.healthy, detail: status.detail };
  });
  health.registerLiveness('consumer', () => {
    const status = transport.health();
    return { ok: status.live, detail: status.detail };
  });
  return transport;
}

/** Adapts a contract validator (`validateX`) to a consumer decoder. */
export function decoderFrom<T>(validate: (value: unknown) => { ok: true; value: T } | { ok: false; problems: readonly { path: string; message: string }[] }): RecordDecoder<T> {
  return (value) => {
    const result = validate(value);
    return result.ok ? { ok: true, value: result.value } : { ok: false, problem: result.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ') };
  };
}
