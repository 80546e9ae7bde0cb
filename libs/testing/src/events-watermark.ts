import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { Topics, validateTelemetryEvent, type TelemetryEvent } from '@bellwether/contracts';
import type { KafkaConnection } from '@bellwether/kafka';

/** One record written by `advanceEventsWatermark`. */
export interface WatermarkRecord {
  readonly partition: number;
  /** The record's key (also the synthetic event's accountId). */
  readonly key: string;
  readonly eventId: string;
}

/** What `advanceEventsWatermark` wrote. */
export interface AdvancedWatermark {
  /** The event time of every record written, ISO-8601 UTC. */
  readonly eventTime: string;
  /** One per partition of the events topic, in partition order. */
  readonly records: readonly WatermarkRecord[];
}

export interface AdvanceEventsWatermarkOptions {
  /** The event time to carry each partition to (ISO-8601 UTC); any time, even days ahead of the wall clock. */
  readonly to: string;
  /** Prefix of the synthetic accounts (one per partition, `<prefix><n>`). Default `watermark-probe-`. */
  readonly accountPrefix?: string;
}

/**
 * TEST AND BENCHMARK ONLY. Carries every partition of the namespaced `bellwether.events.v1` to
 * event time `to`, the way only real traffic otherwise can: ingestion refuses event times more
 * than 300 s ahead of its clock, so a day-roll (scoring's DayRoller closes a day once the pipeline
 * watermark, the minimum over the partitions, is two grace periods past it) cannot be brought on
 * through the API.
 *
 * Writes straight to the topic one valid TelemetryEvent per partition (a `session.started` of a
 * synthetic account `<accountPrefix><n>`, checked with the contract's validator), keyed so that
 * kafkajs' default partitioner (murmur2, the same as Java's) puts exactly one on each partition,
 * with acks=all. Each synthetic account gets a score of its own, like any new account. Once
 * scoring has consumed the records, every row of `scoring.partition_watermarks` is at `to` or
 * later and the pipeline watermark follows (with CLOCK_MODE=event, once every partition is caught
 * up); `scoring.watermark.rolled_through` shows when the resulting day-roll finished.
 *
 * `connection`: the namespace of the run (its events topic must exist). Throws when `to` is not a
 * valid time, when no keys for every partition are found, or when the broker put a record on
 * another partition than the one its key was chosen for.
 */
export async function advanceEventsWatermark(connection: KafkaConnection, options: AdvanceEventsWatermarkOptions): Promise<AdvancedWatermark> {
  const eventTime = new Date(options.to).toISOString();
  const topic = connection.topic(Topics.events);
  const admin = connection.client.admin();
  await admin.connect();
  let partitions: number;
  try {
    partitions = (await admin.fetchTopicOffsets(topic)).length;
  } finally {
    await admin.disconnect();
  }
  const keys = keysForEveryPartition(topic, partitions, options.accountPrefix ?? 'watermark-probe-');
  const run = randomUUID().slice(0, 8);
  const records = keys.map((key, partition): WatermarkRecord & { value: TelemetryEvent } => {
    const value: TelemetryEvent = { schemaVersion: 1, id: `watermark-${run}-p${partition}`, type: 'session.started', accountId: key, userId: 'watermark', timestamp: eventTime, receivedAt: eventTime, source: 'native', properties: {} };
    const checked = validateTelemetryEvent(value);
    if (!checked.ok) throw new Error(`the watermark record is not a valid TelemetryEvent: ${JSON.stringify(checked.problems)}`);
    return { partition, key, eventId: value.id, value };
  });
  const producer = connection.client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const written = await producer.send({ topic, acks: -1, messages: records.map((record) => ({ key: record.key, value: JSON.stringify(record.value) })) });
    const landed = new Set(written.map((metadata) => metadata.partition));
    if (landed.size !== partitions) throw new Error(`the watermark records landed on partitions ${[...landed].join(', ')} of ${partitions}`);
  } finally {
    await producer.disconnect();
  }
  return { eventTime, records: records.map(({ partition, key, eventId }) => ({ partition, key, eventId })) };
}

/**
 * One key per partition of a topic of `partitions` partitions: element n is a key `<prefix><k>`
 * (k = 0, 1, … tried in order) that kafkajs' default partitioner (the one MessageProducer uses,
 * murmur2 as in Java's clients) sends to partition n. Throws if 10,000 candidates do not cover them.
 */
export function keysForEveryPartition(topic: string, partitions: number, prefix: string): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  const keys: (string | undefined)[] = new Array(partitions).fill(undefined);
  let found = 0;
  for (let candidate = 0; candidate < 10_000 && found < partitions; candidate += 1) {
    const key = `${prefix}${candidate}`;
    const partition = partitioner({ topic, partitionMetadata, message: { key, value: null } });
    if (keys[partition] === undefined) {
      keys[partition] = key;
      found += 1;
    }
  }
  if (found < partitions) throw new Error(`no key of prefix "${prefix}" found for every one of ${partitions} partitions`);
  return keys as string[];
}
