import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { MessageProducer } from '@bellwether/kafka';
import { REDIS_CLIENT } from '@bellwether/platform';
import { IngestionEnv } from '../ingestion.env';
import type { NativeEvent } from './event-batch.validator';

const ingestMetrics = {
  accepted: new Counter({ name: 'bellwether_ingest_events_accepted_total', help: 'Events durably published to Kafka', labelNames: ['source'] as const }),
  duplicates: new Counter({ name: 'bellwether_ingest_events_duplicate_total', help: 'Events skipped as retries of an already accepted id', labelNames: ['source'] as const }),
  unavailable: new Counter({ name: 'bellwether_ingest_publish_failures_total', help: 'Batches answered 503 because Kafka did not acknowledge them' }),
  dedupDegraded: new Counter({ name: 'bellwether_ingest_dedup_unavailable_total', help: 'Batches published without the Redis dedup check (scoring still drops repeats by id)' }),
};

export class BrokerUnavailableError extends Error {}

/**
 * Publishes normalized events keyed by accountId and answers only after Kafka acknowledged all
 * of them (acks=all, idempotent producer). Ids seen within the dedup window are skipped; they are
 * remembered only after the acknowledgement, so a failed batch can be retried in full. A batch
 * that failed half-way may have put some events in Kafka: the retry republishes them and scoring
 * drops them by event id, so the effect stays exactly once.
 */
@Injectable()
export class EventPublisher {
  constructor(
    private readonly producer: MessageProducer,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly env: IngestionEnv,
  ) {}

  async publish(events: readonly NativeEvent[], source: TelemetryEvent['source']): Promise<{ accepted: number; duplicates: number }> {
    const seen = await this.seenIds(events);
    const fresh = events.filter((_, index) => seen[index] === null);
    const receivedAt = new Date().toISOString();
    const messages = fresh.map((event) => ({ key: event.accountId, value: toTelemetryEvent(event, receivedAt, source) }));
    try {
      await this.producer.send(Topics.events, messages, { timeoutMs: this.env.PUBLISH_TIMEOUT_MS });
    } catch (error) {
      ingestMetrics.unavailable.inc();
      throw new BrokerUnavailableError(error instanceof Error ? error.message : String(error));
    }
    await this.remember(fresh);
    ingestMetrics.accepted.inc({ source }, fresh.length);
    ingestMetrics.duplicates.inc({ source }, events.length - fresh.length);
    return { accepted: fresh.length, duplicates: events.length - fresh.length };
  }

  private async seenIds(events: readonly NativeEvent[]): Promise<(string | null)[]> {
    try {
      return await this.redis.mget(events.map((event) => dedupKey(event.id)));
    } catch {
      ingestMetrics.dedupDegraded.inc();
      return events.map(() => null);
    }
  }

  private async remember(events: readonly NativeEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const event of events) pipeline.set(dedupKey(event.id), '1', 'EX', this.env.DEDUP_WINDOW_HOURS * 3600);
    await pipeline.exec().catch(() => ingestMetrics.dedupDegraded.inc());
  }
}

/**
 * Redis is a cache of recently accepted ids, not the source of truth: when it does not answer,
 * the batch is published unchecked (scoring's processed_events drops repeats by id).
 */
function dedupKey(id: string): string {
  return `dedup:${id}`;
}

/**
 * The `bellwether.events.v1` message of an accepted event. Pure; every event the native
 * validator or the Segment normalizer accepts becomes a message `validateTelemetryEvent` accepts
 * (the property test in ingestion-inputs.spec.ts holds that).
 */
export function toTelemetryEvent(event: NativeEvent, receivedAt: string, source: TelemetryEvent['source']): TelemetryEvent {
  return {
    schemaVersion: 1,
    id: event.id,
    type: event.type,
    accountId: event.accountId,
    ...(event.userId ? { userId: event.userId } : {}),
    timestamp: new Date(event.timestamp).toISOString(),
    receivedAt,
    source,
    properties: event.properties ?? {},
  };
}
