import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { MessageProducer } from '@bellwether/kafka';
import { Clock, REDIS_CLIENT } from '@bellwether/platform';
import { IngestionEnv } from '../ingestion.env';
import { toTelemetryEvent, type NativeEvent } from '@bellwether/ingestion-domain';

const ingestMetrics = {
  accepted: new Counter({ name: 'bellwether_ingest_events_accepted_total', help: 'Events durably published to Kafka', labelNames: ['source'] as const }),
  duplicates: new Counter({ name: 'bellwether_ingest_events_duplicate_total', help: 'Events skipped as retries of an already accepted id', labelNames: ['source'] as const }),
  unavailable: new Counter({ name: 'bellwether_ingest_publish_failures_total', help: 'Batches answered 503 because Kafka did not acknowledge them' }),
  dedupDegraded: new Counter({ name: 'bellwether_ingest_dedup_unavailable_total', help: 'Batches published without the Redis dedup check (scoring still drops repeats by id)' }),
  ownershipIgnored: new Counter({
    name: 'bellwether_ingest_ownership_changes_ignored_total',
    help: 'Ownership attributes (csmId, team, tier) dropped from events of keys without the accounts:write scope',
    labelNames: ['source'] as const,
  }),
};

/** Counts ownership attributes dropped from an untrusted key's events (see ownership-trust.ts). */
export function countIgnoredOwnership(source: TelemetryEvent['source'], attributes: number): void {
  if (attributes > 0) ingestMetrics.ownershipIgnored.inc({ source }, attributes);
}

export class BrokerUnavailableError extends Error {}

/**
 * Bytes of records per producer send. One send puts all of a partition's records in one record
 * batch, and the broker refuses a batch over its `message.max.bytes` (1 MiB by default) — for
 * good, so the client would retry forever. A full 500 KB request of thousands of tiny events on
 * one account grows past 1 MiB once enveloped (seen: 5,000 events → 503), so sends are split
 * well below it.
 */
const MAX_SEND_BYTES = 512 * 1024;

/** A record's size on the wire, roughly: key, JSON value and ~64 bytes of record framing. */
function recordBytes(record: { key: string; value: TelemetryEvent }): number {
  return Buffer.byteLength(record.key, 'utf8') + Buffer.byteLength(JSON.stringify(record.value), 'utf8') + 64;
}

/**
 * Splits items, in order, into runs whose sizes add up to at most `maxBytes` (an item larger than
 * that alone gets a run of its own). Pure; `sizeOf` gives an item's bytes.
 */
export function splitBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let runBytes = 0;
  for (const item of items) {
    const bytes = sizeOf(item);
    if (run.length > 0 && runBytes + bytes > maxBytes) {
      runs.push(run);
      run = [];
      runBytes = 0;
    }
    run.push(item);
    runBytes += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

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
    private readonly clock: Clock,
  ) {}

  /** `trusted`: the events come from a trusted source (see `toTelemetryEvent`). */
  async publish(events: readonly NativeEvent[], source: TelemetryEvent['source'], trusted = false): Promise<{ accepted: number; duplicates: number }> {
    const seen = await this.seenIds(events);
    const fresh = events.filter((_, index) => seen[index] === null);
    const receivedAt = this.clock.nowIso();
    const messages = fresh.map((event) => ({ key: event.accountId, value: toTelemetryEvent(event, receivedAt, source, trusted) }));
    try {
      for (const chunk of splitBySize(messages, recordBytes, MAX_SEND_BYTES)) await this.producer.send(Topics.events, chunk, { timeoutMs: this.env.PUBLISH_TIMEOUT_MS });
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
