import type { INestApplication } from '@nestjs/common';
import { KafkaBatchTransport, KafkaConnection, MessageProducer, type RecordDecoder } from '@bellwether/kafka';
import { HealthRegistry } from '../health/health.registry';
import { structuredLogger, type AppLogger } from '../logging/logger';
import { APP_LOGGER } from '../tokens';

/**
 * The service's batch consumer as a Nest transport, wired to the app's Kafka client, producer
 * (for dead letters) and logger, with its loop reported by /readyz.
 */
export function consumerTransport(
  app: INestApplication,
  options: { groupId: string; decoders: Readonly<Record<string, RecordDecoder<unknown>>>; sessionTimeoutMs?: number },
): KafkaBatchTransport {
  const transport = new KafkaBatchTransport({
    connection: app.get(KafkaConnection),
    deadLetters: app.get(MessageProducer),
    logger: structuredLogger(app.get<AppLogger>(APP_LOGGER)),
    groupId: options.groupId,
    decoders: options.decoders,
    sessionTimeoutMs: options.sessionTimeoutMs,
  });
  app.get(HealthRegistry).register('consumer', () => {
    const health = transport.health();
    return { ok: health.healthy, detail: health.detail };
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
