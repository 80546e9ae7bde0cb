/* eslint-disable no-console -- a benchmark reports on stdout */
import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { FixedClock } from '@bellwether/platform';
import type { AuthenticatedRequest, RateLimitGuard } from '@bellwether/auth';
import type { MessageProducer, SerializedRecord } from '@bellwether/kafka';
import type { FastifyReply } from 'fastify';
import { EventsController } from '../events/events.controller';
import { EventPublisher } from '../events/event-publisher.service';
import type { IngestAdmission } from '../events/ingest-admission';
import { parseStrictJson } from '../http/strict-json.parser';
import { readRequestBody } from '../http/request-body.reader';
import { IngestionEnv } from '../ingestion.env';

/**
 * Issue 17: ingestion's CPU per accepted event on the request path, in process, without Kafka or
 * Redis. Each request is what `POST /v1/events` does between the socket and the producer:
 * the body bytes (delivered in 16 KiB chunks, as a socket reads them) → readRequestBody →
 * parseStrictJson → EventsController.ingest (validation, sanitization, ownership filtering,
 * normalization, serialization, sizing, the coalescing sender and the metrics). The Redis
 * admission answers "nothing seen" at once and the producer's send resolves at once, so what is
 * left out is the HTTP server, kafkajs' record encoding and the network round trips.
 *
 * Bodies have the load generator's shape (scripts/bench `EventFactory.usageBatch`: 100 usage events of 300 bytes, ~30 KB),
 * built once from a fixed clock and run id, so every run measures the same bytes. Reports µs of
 * process CPU (user + system, GC threads included) and of wall time per event: the median of
 * the repeats, with their range.
 *
 *   npm run bench:ingest-cpu -- [repeats] [requests per repeat]
 */

const EVENTS_PER_REQUEST = 100;
const EVENT_BYTES = 300;
const CHUNK_BYTES = 16 * 1024;
/** Distinct bodies cycled through, so ids, accounts and timestamps vary as in the bench. */
const DISTINCT_BODIES = 64;
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);

/**
 * The bodies, shaped as the bench's load (an app cannot import scripts/): `feature.used` and
 * every fifth a `session.started`, 12 users, 5 features, spread over 14 days, padded to
 * EVENT_BYTES of JSON, 500 accounts.
 */
function bodies(): Buffer[] {
  const features = ['reports', 'dashboards', 'integrations', 'automation', 'api'];
  let n = 0;
  const event = (): string => {
    const at = new Date(NOW_MS - 60_000 - (n % 14) * 86_400_000 - (n % 3600) * 1000).toISOString();
    const head = `{"id":"bcpupath-${n}","type":"${n % 5 === 4 ? 'session.started' : 'feature.used'}","accountId":"acct-bench-${String(n % 500).padStart(7, '0')}","userId":"u${n % 12}","timestamp":"${at}","properties":{"feature":"${features[n % features.length]}","pad":"`;
    n += 1;
    return `${head}${'x'.repeat(Math.max(0, EVENT_BYTES - head.length - 3))}"}}`;
  };
  return Array.from({ length: DISTINCT_BODIES }, () => Buffer.from(`{"events":[${Array.from({ length: EVENTS_PER_REQUEST }, event).join(',')}]}`, 'utf8'));
}

function chunksOf(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < body.length; start += CHUNK_BYTES) chunks.push(body.subarray(start, start + CHUNK_BYTES));
  return chunks;
}

function pipeline(): { request: (chunks: readonly Buffer[]) => Promise<number>; produced: () => number } {
  const env = new IngestionEnv();
  const clock = new FixedClock(NOW_MS);
  let produced = 0;
  const producer = {
    sendSerialized: async (_topic: string, records: readonly SerializedRecord[]) => {
      produced += records.length;
    },
  } as unknown as MessageProducer;
  const admission = {
    admit: async (_allowance: unknown, eventIds: readonly string[]) => ({ rate: null, seen: eventIds.map(() => false) }),
    remember: async () => undefined,
  } as unknown as IngestAdmission;
  const rateLimit = {} as RateLimitGuard;
  const publisher = new EventPublisher(producer, admission, env, clock);
  const controller = new EventsController(publisher, admission, rateLimit, clock, env);
  const headers = { 'content-type': 'application/json' };
  const limits = { maxBodyBytes: env.MAX_BODY_BYTES, maxDrainBytes: env.MAX_BODY_BYTES * 8 };
  const request = {} as AuthenticatedRequest;
  const reply = {} as FastifyReply;
  return {
    request: async (chunks) => {
      const bytes = await readRequestBody(Readable.from(chunks, { objectMode: false }) as IncomingMessage, { ...headers, 'content-length': String(chunks.reduce((n, c) => n + c.length, 0)) }, limits);
      const answer = await controller.ingest(parseStrictJson(bytes), request, reply);
      if (answer.accepted !== EVENTS_PER_REQUEST) throw new Error(`expected ${EVENTS_PER_REQUEST} accepted, got ${JSON.stringify(answer)}`);
      return answer.accepted;
    },
    produced: () => produced,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 9);
  const requestsPerRepeat = Number(process.argv[3] ?? 400);
  const chunked = bodies().map(chunksOf);
  const { request, produced } = pipeline();
  for (let i = 0; i < 200; i += 1) await request(chunked[i % chunked.length] ?? []);

  const cpuPerEvent: number[] = [];
  const wallPerEvent: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    const cpuStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    let events = 0;
    for (let i = 0; i < requestsPerRepeat; i += 1) events += await request(chunked[i % chunked.length] ?? []);
    const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    cpuPerEvent.push((cpu.user + cpu.system) / events);
    wallPerEvent.push(wallUs / events);
  }
  const line = (label: string, values: number[]) => {
    return `${label}: median ${median(values).toFixed(2)} µs/event (range ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
  };
  console.log(`ingestion CPU path: ${repeats} repeats × ${requestsPerRepeat} requests × ${EVENTS_PER_REQUEST} events (${chunked[0]?.reduce((n, c) => n + c.length, 0)} bytes per body); ${produced()} records produced`);
  console.log(line('cpu ', cpuPerEvent));
  console.log(line('wall', wallPerEvent));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
