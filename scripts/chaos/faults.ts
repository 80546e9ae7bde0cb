import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';
import { Topics, type JsonObject } from '@bellwether/contracts';
import { toTelemetryEvent } from '@bellwether/ingestion-domain';
import { MessageProducer, type KafkaConnection } from '@bellwether/kafka';
import { redisDbOf, serviceNames, sleep, type FaultPlanOptions, type Random, type ServiceName } from './chaos.config';
import type { EventLedger, SentEvent } from './event-ledger';

const run = promisify(execFile);

/** A service the run can kill and start again: the e2e's ServiceProcess or chaos-service's ChaosService. */
export interface ChaosTarget {
  readonly name: ServiceName;
  readonly port: number;
  readonly baseUrl: string;
  readonly logPath: string;
  /** Resolves once /readyz answers 200. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export type FaultKind = 'kill -9' | 'broker restart' | 'postgres restart' | 'redis flush' | 'poison message' | 'redelivery' | 'client retry';

export type PlannedFault =
  | { readonly kind: 'kill'; readonly service: ServiceName }
  | { readonly kind: 'broker' | 'postgres' | 'redis' | 'poison' | 'redelivery' | 'client-retry' };

/** What one injected fault did. `ms`: from the fault to the system being whole again (where that means something). */
export interface FaultRecord {
  readonly kind: FaultKind;
  readonly target: string;
  readonly at: string;
  readonly ms: number;
  readonly ok: boolean;
  readonly detail: string;
}

/** A poison record sent to a consumed topic, to be found in `<topic>.dlq`. */
export interface Poison {
  readonly topic: string;
  readonly marker: string;
}

/** Topics the services consume (the apps' main.ts decoders); each gets a poison message. */
export const consumedTopics: readonly string[] = [Topics.events, Topics.scores, Topics.alerts, Topics.incidents, Topics.playbookRuns, Topics.clock];

/**
 * The kills in rounds (each round every service once, in a random order), with the other faults
 * slotted in at random positions: the poison early (so it meets the kill storm), the rest spread.
 */
export function planFaults(plan: FaultPlanOptions, random: Random): PlannedFault[] {
  const faults: PlannedFault[] = [];
  for (let round = 0; round < plan.killsPerService; round += 1) {
    for (const service of random.shuffle(serviceNames)) faults.push({ kind: 'kill', service });
  }
  const insert = (fault: PlannedFault, from = 1) => faults.splice(random.int(Math.min(from, faults.length), faults.length), 0, fault);
  for (let i = 0; i < plan.redisFlushes; i += 1) insert({ kind: 'redis' });
  for (let i = 0; i < plan.redeliveries; i += 1) insert({ kind: 'redelivery' }, 2);
  insert({ kind: 'client-retry' }, 2);
  if (plan.restartBroker) insert({ kind: 'broker' }, Math.floor(faults.length / 3));
  if (plan.restartPostgres) insert({ kind: 'postgres' }, Math.floor(faults.length / 3));
  faults.splice(Math.min(1, faults.length), 0, { kind: 'poison' });
  return faults;
}

export interface FaultInjectorDeps {
  readonly services: Readonly<Record<ServiceName, ChaosTarget>>;
  readonly connection: KafkaConnection;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
  readonly ledger: EventLedger;
  readonly random: Random;
  readonly log: (message: string) => void;
  /** Re-posts an accepted batch over HTTP, as a client retry would (the load driver's deliver). */
  readonly repost: (events: readonly SentEvent[]) => Promise<{ status: number; body: string }>;
  /** Prefix of this run's event ids: a scoped Redis flush deletes only these dedup keys. */
  readonly runTag: string;
  readonly postgresRestartCommand: string;
  /** Posts one fresh event until it is accepted or 60 s pass: the system is whole again only once this works. */
  readonly probe: () => Promise<{ ok: boolean; ms: number; last: string }>;
}

/** Injects one fault at a time and keeps the record of each. */
export class FaultInjector {
  readonly records: FaultRecord[] = [];
  readonly poisons: Poison[] = [];
  /** Event ids re-sent straight to the events topic. */
  readonly redelivered = new Set<string>();

  constructor(private readonly deps: FaultInjectorDeps) {}

  async inject(fault: PlannedFault, downMaxMs: number, brokerDownMaxMs = 0): Promise<FaultRecord> {
    const at = new Date().toISOString();
    const started = Date.now();
    const record = (kind: FaultKind, target: string, ok: boolean, detail: string): FaultRecord => {
      const entry = { kind, target, at, ms: Date.now() - started, ok, detail };
      this.records.push(entry);
      this.deps.log(`${ok ? '' : 'FAILED '}${kind} ${target}: ${detail} (${entry.ms} ms)`);
      return entry;
    };
    try {
      switch (fault.kind) {
        case 'kill':
          return record('kill -9', fault.service, true, await this.killAndRestart(fault.service, this.deps.random.int(0, downMaxMs)));
        case 'broker':
          return record('broker restart', 'kafka', true, await this.thenProbe(await this.restartBroker(this.deps.random.int(0, brokerDownMaxMs))));
        case 'postgres':
          return record('postgres restart', 'postgres', true, await this.thenProbe(await this.restartPostgres()));
        case 'redis':
          return record('redis flush', `redis db ${redisDbOf(this.deps.redisUrl)}`, true, await this.flushRedis());
        case 'poison':
          return record('poison message', consumedTopics.join(', '), true, await this.sendPoison());
        case 'redelivery':
          return record('redelivery', Topics.events, true, await this.redeliverProcessedBatch());
        case 'client-retry':
          return record('client retry', 'POST /v1/events', true, await this.repostAcceptedBatch());
      }
    } catch (error) {
      const kind: FaultKind =
        fault.kind === 'kill' ? 'kill -9' : ({ broker: 'broker restart', postgres: 'postgres restart', redis: 'redis flush', poison: 'poison message', redelivery: 'redelivery', 'client-retry': 'client retry' } as const)[fault.kind];
      return record(kind, fault.kind === 'kill' ? fault.service : fault.kind, false, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * After a shared dependency came back, ingestion must accept a new batch again (within 60 s), before
   * a later kill of ingestion could hide a client (producer, pool) that never recovered.
   */
  private async thenProbe(detail: string): Promise<string> {
    const probe = await this.deps.probe();
    if (!probe.ok) throw new Error(`${detail}; but ingestion accepted no new batch within ${probe.ms} ms after it (last answer ${probe.last})`);
    return `${detail}; a new batch accepted ${probe.ms} ms after it`;
  }

  /** kill -9, a short random downtime, start again and wait for /readyz. */
  private async killAndRestart(name: ServiceName, downMs: number): Promise<string> {
    const target = this.deps.services[name];
    await target.stop('SIGKILL');
    await sleep(downMs);
    const restarting = Date.now();
    try {
      await target.start();
    } catch (error) {
      // One more try, so the run goes on; the failure is still recorded.
      await target.stop('SIGKILL').catch(() => undefined);
      await target.start();
      throw new Error(`first restart failed (${error instanceof Error ? error.message : String(error)}); the second one worked`);
    }
    return `down ${downMs} ms, ready ${Date.now() - restarting} ms after its restart`;
  }

  /** The shared local broker: `scripts/kafka.sh stop`, then `start` (which waits until it answers). */
  private async restartBroker(downMs: number): Promise<string> {
    const [host, port] = (this.deps.brokers.split(',')[0] ?? '').split(':');
    if (this.deps.brokers.includes(',') || !['127.0.0.1', 'localhost'].includes(host ?? '')) throw new Error(`not the local single broker (${this.deps.brokers}); not restarting it`);
    const env = { ...process.env, KAFKA_PORT: port ?? '9092' };
    const stopping = Date.now();
    await run('bash', ['scripts/kafka.sh', 'stop'], { env, timeout: 120_000 });
    const stopMs = Date.now() - stopping;
    await sleep(downMs);
    const starting = Date.now();
    await run('bash', ['scripts/kafka.sh', 'start'], { env, timeout: 180_000 });
    return `stopped in ${stopMs} ms, down ${downMs} ms more, back (answering) ${Date.now() - starting} ms after the start, at ${new Date().toISOString()}`;
  }

  private async restartPostgres(): Promise<string> {
    const restarting = Date.now();
    await run('bash', ['-c', this.deps.postgresRestartCommand], { timeout: 120_000 });
    const restartMs = Date.now() - restarting;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new Client({ connectionString: this.deps.databaseUrl });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        break;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`Postgres not back within 60 s: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(250);
      }
    }
    return `\`${this.deps.postgresRestartCommand}\` took ${restartMs} ms; accepting connections again at ${new Date().toISOString()}`;
  }

  /**
   * FLUSHDB of the run's own Redis db. On db 0 or 1 (shared with the dev stack and the other
   * engineers' tests) only this run's dedup keys are deleted instead.
   */
  private async flushRedis(): Promise<string> {
    const db = redisDbOf(this.deps.redisUrl);
    const redis = new Redis(this.deps.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      if (db !== 0 && db !== 1) {
        const keys = await redis.dbsize();
        await redis.flushdb();
        return `FLUSHDB (${keys} keys: dedup ids, rate-limit state, caches)`;
      }
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*dedup:${this.deps.runTag}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
      return `shared db ${db}: deleted this run's ${deleted} dedup keys instead of FLUSHDB`;
    } finally {
      redis.disconnect();
    }
  }

  /** Invalid JSON on every consumed topic, each with a marker to find it in `<topic>.dlq`. */
  private async sendPoison(): Promise<string> {
    const producer = new MessageProducer(this.deps.connection);
    await producer.connect();
    try {
      for (const topic of consumedTopics) {
        const marker = `chaos-poison-${randomUUID()}`;
        await producer.sendRaw(topic, [{ key: Buffer.from('chaos-poison'), value: Buffer.from(`{"poison":"${marker}", this is not JSON`), headers: { 'chaos-poison': marker } }]);
        this.poisons.push({ topic, marker });
      }
    } finally {
      await producer.disconnect();
    }
    return `${consumedTopics.length} invalid-JSON records`;
  }

  /** Re-sends an accepted batch that scoring has already applied, same ids, straight to the events topic. */
  private async redeliverProcessedBatch(): Promise<string> {
    const batch = this.deps.ledger.olderAcceptedBatch((count) => this.deps.random.int(0, count - 1));
    if (!batch) throw new Error('no accepted batch yet');
    const ids = batch.map((event) => event.id);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const processed = await countProcessed(this.deps.databaseUrl, ids).catch(() => -1);
      if (processed === ids.length) break;
      if (Date.now() > deadline) throw new Error(`the batch was not processed within 60 s (${processed}/${ids.length} ids claimed)`);
      await sleep(500);
    }
    const receivedAt = new Date().toISOString();
    const producer = new MessageProducer(this.deps.connection);
    await producer.connect();
    try {
      await producer.send(Topics.events, batch.map((event) => ({ key: event.accountId, value: toTelemetryEvent({ ...event, properties: event.properties as JsonObject }, receivedAt, 'native') })));
    } finally {
      await producer.disconnect();
    }
    for (const id of ids) this.redelivered.add(id);
    return `${ids.length} already-applied events re-sent with their ids`;
  }

  /** A client posting an accepted batch again (same ids): 202, nothing new published while Redis remembers. */
  private async repostAcceptedBatch(): Promise<string> {
    const batch = this.deps.ledger.olderAcceptedBatch((count) => this.deps.random.int(0, count - 1));
    if (!batch) throw new Error('no accepted batch yet');
    const answer = await this.deps.repost(batch);
    if (answer.status !== 202) throw new Error(`answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    return `${batch.length} events posted again: ${answer.body}`;
  }
}

async function countProcessed(databaseUrl: string, ids: readonly string[]): Promise<number> {
  return withDatabase(databaseUrl, async (client) => {
    const result = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM scoring.processed_events WHERE event_id = ANY($1::text[])', [ids]);
    return result.rows[0]?.n ?? 0;
  });
}

/** A short-lived connection: survives Postgres restarts between calls. */
export async function withDatabase<T>(databaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
