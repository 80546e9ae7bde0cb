import type { DataSource } from 'typeorm';
import { Counter, Gauge } from 'prom-client';
import { backoffDelay, defaultBackoff, type BackoffPolicy, type MessageProducer, type OutgoingRecord } from '@bellwether/kafka';
import type { Clock } from '../clock/clock';
import type { AppLogger } from '../logging/logger';
import type { DependencyStatus } from '../health/health.registry';

export interface OutboxRelayOptions {
  readonly schema: string;
  readonly batchSize?: number;
  /** Idle poll interval; `nudge()` wakes the relay at once after a local commit. */
  readonly pollIntervalMs?: number;
  /** Delay after a failed pass (OUTBOX_BACKOFF_*, see `retryConfig`); the kafka lib's default without it. */
  readonly backoff?: BackoffPolicy;
}

const relayMetrics = {
  published: new Counter({ name: 'bellwether_outbox_published_total', help: 'Outbox rows published', labelNames: ['schema', 'topic'] as const }),
  failures: new Counter({ name: 'bellwether_outbox_publish_failures_total', help: 'Failed outbox publish attempts', labelNames: ['schema'] as const }),
  pending: new Gauge({ name: 'bellwether_outbox_pending', help: 'Unpublished outbox rows seen by the last relay pass', labelNames: ['schema'] as const }),
};

interface OutboxRow {
  id: string;
  topic: string;
  key: string | null;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes a service's outbox in id order. One relay at a time per schema (a transaction-scoped
 * advisory lock), so several replicas can run it safely and per-key order holds. At least once:
 * a crash between the broker ack and the commit republishes; consumers dedup on message ids.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failingSince: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: MessageProducer,
    private readonly logger: AppLogger,
    /** Times the failing streak (`health`). Published rows are pruned by the `RetentionPruner`. */
    private readonly clock: Clock,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Publish now rather than at the next poll. */
  nudge(): void {
    this.wake?.();
  }

  health(): DependencyStatus {
    if (this.failingSince !== null && this.clock.nowMs() - this.failingSince > 30_000) {
      return { ok: false, detail: `outbox relay failing since ${new Date(this.failingSince).toISOString()}: ${this.lastError}` };
    }
    return { ok: true };
  }

  /** One pass; returns how many rows it published. Exposed for tests and tools. */
  async publishOnce(): Promise<number> {
    const schema = this.options.schema;
    const batchSize = this.options.batchSize ?? 500;
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`bellwether-outbox:${schema}`])) as {
        locked: boolean;
      }[];
      if (!locked) return 0;
      const rows = (await manager.query(
        `SELECT id, topic, key, payload, headers FROM "${schema}".outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`,
        [batchSize],
      )) as OutboxRow[];
      relayMetrics.pending.set({ schema }, rows.length);
      if (rows.length === 0) return 0;
      for (const [topic, records] of groupByTopicInOrder(rows)) {
        await this.producer.send(topic, records);
        relayMetrics.published.inc({ schema, topic }, records.length);
      }
      await manager.query(`UPDATE "${schema}".outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      try {
        const published = await this.publishOnce();
        attempt = 0;
        this.failingSince = null;
        if (published < (this.options.batchSize ?? 500)) await this.idle(this.options.pollIntervalMs ?? 50);
      } catch (error) {
        attempt += 1;
        this.failingSince ??= this.clock.nowMs();
        this.lastError = error instanceof Error ? error.message : String(error);
        relayMetrics.failures.inc({ schema: this.options.schema });
        this.logger.warn({ schema: this.options.schema, attempt, error: this.lastError }, 'outbox publish failed, retrying');
        await this.idle(backoffDelay(this.options.backoff ?? defaultBackoff, attempt));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function groupByTopicInOrder(rows: readonly OutboxRow[]): Map<string, OutgoingRecord[]> {
  // Rows of one topic keep their id order; topics are independent streams.
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const row of rows) {
    const records = byTopic.get(row.topic) ?? [];
    records.push({ key: row.key, value: row.payload, headers: row.headers });
    byTopic.set(row.topic, records);
  }
  return byTopic;
}
