import type { INestApplication } from '@nestjs/common';
import { KafkaConnection } from '../kafka-connection';
import { MessageProducer } from '../message-producer';
import { type ConsumerGroupSpec, KafkaBatchTransport } from './kafka-batch.transport';
import { consumerRetrySettings, type ConsumerEnv, KAFKA_HEALTH, KAFKA_LOGGER, type KafkaHealthRegistration, type KafkaLogger } from './kafka-host';

/** Exit status when a consumer loop is gone for good (EX_SOFTWARE): the orchestrator restarts the process. */
export const CONSUMER_GAVE_UP_EXIT_CODE = 70;

/**
 * The service's batch consumers (one per consumer group in `groups`) as a Nest transport, wired to the app's Kafka client, producer
 * (for dead letters), logger and retry config (`env`: backoff, stall limit, restarts). Its loop is
 * reported by /readyz (not ready while crashed or retrying) and /healthz (not live once stalled for
 * CONSUMER_STALL_SECONDS). If restarting a crashed consumer fails CONSUMER_RESTART_ATTEMPTS times,
 * the process exits so that it is restarted. The app must provide `KAFKA_LOGGER` and
 * `KAFKA_HEALTH` (the platform's `ObservabilityModule` does) and import `KafkaClientModule`.
 */
export function consumerTransport(
  app: INestApplication,
  options: { groups: readonly ConsumerGroupSpec[]; env: ConsumerEnv; exit?: (code: number) => void },
): KafkaBatchTransport {
  const logger = app.get<KafkaLogger>(KAFKA_LOGGER);
  const retry = consumerRetrySettings(options.env);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const transport = new KafkaBatchTransport({
    connection: app.get(KafkaConnection),
    deadLetters: app.get(MessageProducer),
    logger,
    groups: options.groups,
    sessionTimeoutMs: options.env.KAFKA_SESSION_TIMEOUT_MS,
    backoff: retry.backoff,
    stallAfterMs: retry.stallAfterMs,
    restartAttempts: retry.restartAttempts,
    onGaveUp: (groupId, error) => {
      logger.fatal(`consumer ${groupId} could not rejoin its group; exiting so the process is restarted`, { err: error, groupId });
      exit(CONSUMER_GAVE_UP_EXIT_CODE);
    },
  });
  const health = app.get<KafkaHealthRegistration>(KAFKA_HEALTH);
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
