import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { CoalescingSender, MessageProducer } from '@bellwether/kafka';
import { Clock } from '@bellwether/platform';
import { IngestionEnv } from '../ingestion.env';
import { toTelemetryEvent, type NativeEvent } from '@bellwether/ingestion-domain';
import { IngestAdmission } from './ingest-admission';

const ingestMetrics = {
  accepted: new Counter({ name: 'bellwether_ingest_events_accepted_total', help: 'Events durably published to Kafka', labelNames: ['source'] as const }),
  duplicates: new Counter({ name: 'bellwether_ingest_events_duplicate_total', help: 'Events skipped as retries of an already accepted id', labelNames: ['source'] as const }),
  unavailable: new Counter({ name: 'bellwether_ingest_publish_failures_total', help: 'Batches answered 503 because Kafka did not acknowledge them' }),
  dedupDegraded: new Counter({
    name: 'bellwether_ingest_dedup_unavailable_total',
    help: 'Batches published without the Redis dedup check, or whose accepted ids Redis did not record (scoring still drops repeats by id)',
  }),
  ownershipIgnored: new Counter({
    name: 'bellwether_ingest_ownership_changes_ignored_total',
    help: 'Trusted-only attributes (ownership: csmId, team, tier; economics: cacUsd, grossMarginPct) dropped from events of keys without the accounts:write scope',
    labelNames: ['source'] as const,
  }),
  economicsIgnored: new Counter({
    name: 'bellwether_ingest_economics_ignored_total',
    help: 'Account economics (cacUsd, grossMarginPct) dropped from a trusted key’s events because they could not be applied: an invalid value, or sent as subscription properties',
    labelNames: ['source'] as const,
  }),
};

/** Counts a batch whose dedup check or dedup write Redis did not answer. */
export function countDedupUnavailable(): void {
  ingestMetrics.dedupDegraded.inc();
}

/**
 * Counts attributes dropped from a batch's events (see ownership-trust.ts): from an untrusted key,
 * its ownership and economics attributes; from a trusted one, economics it could not apply.
 */
export function countIgnoredOwnership(source: TelemetryEvent['source'], attributes: number, trusted = false): void {
  if (attributes > 0) (trusted ? ingestMetrics.economicsIgnored : ingestMetrics.ownershipIgnored).inc({ source }, attributes);
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

/** A normalized event, serialized once: the same text sizes the record and goes on the wire. */
interface EventRecord {
  readonly key: string;
  readonly json: string;
}

/** A record's size on the wire, roughly: key, JSON value and ~64 bytes of record framing. */
function recordBytes(record: EventRecord): number {
  return Buffer.byteLength(record.key, 'utf8') + Buffer.byteLength(record.json, 'utf8') + 64;
}

/**
 * Publishes normalized events keyed by accountId and answers only after Kafka acknowledged all
 * of them (acks=all, idempotent producer). Concurrent batches share producer sends (a
 * `CoalescingSender`: group commit, at most `PUBLISH_FLUSH_MAX_BYTES` per flush, 512 KiB per
 * send); a batch's events keep their order, and a failed send fails only the batches it carried.
 * Ids seen within the dedup window are skipped. Accepted ids are remembered only after the
 * acknowledgement, so a failed batch can be retried in full, and without awaiting the write: the
 * answer does not wait for Redis. A retry that arrives before that write lands (or after it
 * failed, counted in bellwether_ingest_dedup_unavailable_total) is published again, and so is
 * one after a batch that failed half-way (some of its events may be in Kafka); scoring drops such
 * repeats by event id, so the effect stays exactly once.
 */
@Injectable()
export class EventPublisher implements OnApplicationShutdown {
  private readonly sender: CoalescingSender<EventRecord>;
  /** Dedup writes under way (awaited at shutdown, so none is cut off by the client closing). */
  private readonly dedupWrites = new Set<Promise<void>>();

  constructor(
    producer: MessageProducer,
    private readonly admission: IngestAdmission,
    private readonly env: IngestionEnv,
    private readonly clock: Clock,
  ) {
    this.sender = new CoalescingSender<EventRecord>({
      topic: Topics.events,
      send: (records) => producer.sendSerialized(Topics.events, records, { timeoutMs: env.PUBLISH_TIMEOUT_MS }),
      sizeOf: recordBytes,
      maxSendBytes: MAX_SEND_BYTES,
      maxFlushBytes: env.PUBLISH_FLUSH_MAX_BYTES,
    });
  }

  /**
   * Which of `eventIds` were accepted within the dedup window (one Redis round trip). If Redis does
   * not answer: none (counted), and the batch is published unchecked.
   */
  async seenIds(eventIds: readonly string[]): Promise<readonly boolean[]> {
    try {
      return (await this.admission.admit(null, eventIds)).seen;
    } catch {
      countDedupUnavailable();
      return eventIds.map(() => false);
    }
  }

  /**
   * `trusted`: the events come from a trusted source (see `toTelemetryEvent`). `seen`: per event,
   * whether its id was accepted within the dedup window, when the caller already asked Redis
   * (`IngestAdmission.admit`); otherwise this asks. Throws BrokerUnavailableError when Kafka did
   * not acknowledge every event.
   */
  async publish(events: readonly NativeEvent[], source: TelemetryEvent['source'], trusted = false, seen?: readonly boolean[]): Promise<{ accepted: number; duplicates: number }> {
    const seenFlags = seen ?? (await this.seenIds(events.map((event) => event.id)));
    const fresh = events.filter((_, index) => seenFlags[index] !== true);
    const receivedAt = this.clock.nowIso();
    const messages = fresh.map((event) => ({ key: event.accountId, json: JSON.stringify(toTelemetryEvent(event, receivedAt, source, trusted)) }));
    try {
      await this.sender.submit(messages);
    } catch (error) {
      ingestMetrics.unavailable.inc();
      throw new BrokerUnavailableError(error instanceof Error ? error.message : String(error));
    }
    this.rememberInBackground(fresh.map((event) => event.id));
    ingestMetrics.accepted.inc({ source }, fresh.length);
    ingestMetrics.duplicates.inc({ source }, events.length - fresh.length);
    return { accepted: fresh.length, duplicates: events.length - fresh.length };
  }

  /** Records accepted ids without holding the answer; a failed write is counted, never thrown. */
  private rememberInBackground(eventIds: readonly string[]): void {
    if (eventIds.length === 0) return;
    const write = this.admission.remember(eventIds, this.env.DEDUP_WINDOW_HOURS * 3600).catch(() => countDedupUnavailable());
    this.dedupWrites.add(write);
    void write.finally(() => this.dedupWrites.delete(write));
  }

  /**
   * Nest calls this after the HTTP server closed (every request answered, so every dedup write
   * started) and before the Redis client quits (RedisModule is global: its hooks run last).
   * `onModuleDestroy` would run before the server drains, missing the writes of the requests
   * still in flight.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.dedupWrites]);
  }
}
