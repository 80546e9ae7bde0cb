import type { DataSource } from 'typeorm';
import { Counter, Gauge } from 'prom-client';
import { backoffDelay, defaultBackoff, type BackoffPolicy, type MessageProducer, type OutgoingRecord } from '@bellwether/kafka';
import type { Clock } from '../clock/clock';
import type { AppLogger } from '../logging/logger';
import type { DependencyStatus } from '../health/health.registry';
import { DEFAULT_OUTBOX_RETENTION_HOURS } from '../retention/service-retention';
import type { CommittedOutboxRows } from './outbox';

export interface OutboxRelayOptions {
  readonly schema: string;
  /** Rows per pass (default 500). */
  readonly batchSize?: number;
  /**
   * Idle poll interval, ms (default 1000): a pass finds nothing to publish, so the relay waits
   * this long or until `nudge()`. A nudge while a pass runs is kept: the next pass starts at once.
   */
  readonly pollIntervalMs?: number;
  /**
   * Rows younger than this (ms since their transaction started) are left alone by the relay's
   * passes (default 0: every committed row), unless an older-enough row has a larger id (a pass
   * sends a prefix by id, so a key's rows keep their order). A service that publishes its rows
   * itself right after its commit (`publishCommitted`) sets a few seconds: the relay then only
   * sweeps what a crash or a failed send left behind.
   */
  readonly sweepAfterMs?: number;
  /** Delay after a failed pass (OUTBOX_BACKOFF_*, see `retryConfig`); the kafka lib's default without it. */
  readonly backoff?: BackoffPolicy;
  /**
   * Hours a published row is kept (`OUTBOX_RETENTION_HOURS`; default
   * `DEFAULT_OUTBOX_RETENTION_HOURS`, 0). 0: a row is deleted by the statement that would mark it
   * published, in the transaction that sent it, so it is never rewritten. More: it is marked
   * `published_at = now()` and kept, and the service's `RetentionPruner` deletes it once it is this
   * old (give both the same value: `serviceRetention` reads the same variable).
   */
  readonly retentionHours?: number;
}

const relayMetrics = {
  published: new Counter({ name: 'bellwether_outbox_published_total', help: 'Outbox rows published', labelNames: ['schema', 'topic'] as const }),
  failures: new Counter({ name: 'bellwether_outbox_publish_failures_total', help: 'Failed outbox publish attempts', labelNames: ['schema'] as const }),
  pending: new Gauge({ name: 'bellwether_outbox_pending', help: 'Unpublished outbox rows seen by the last relay pass', labelNames: ['schema'] as const }),
  direct: new Counter({ name: 'bellwether_outbox_published_after_commit_total', help: 'Outbox rows published right after their commit (publishCommitted)', labelNames: ['schema', 'topic'] as const }),
  directFailures: new Counter({ name: 'bellwether_outbox_publish_after_commit_failures_total', help: 'Failed publishes right after commit (the relay sweeps those rows later)', labelNames: ['schema'] as const }),
};


interface OutboxRow {
  id: string;
  topic: string;
  key: string | null;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes a service's outbox in id order. Passes run one at a time per schema (a
 * transaction-scoped advisory lock), so several replicas can run it safely. At least once: a
 * crash between the broker ack and the commit republishes; consumers dedup on message ids.
 *
 * Per-key order (a newer row of a key is never published before an older unpublished one) holds
 * between the relay's passes and `publishCommitted` alike: both lock the rows they send with a
 * blocking `FOR UPDATE` taken in id order (so neither deadlocks the other), re-read
 * `published_at` after a wait (a row the other one published is skipped), and
 * `publishCommitted` takes every older unpublished row of its keys along with its own.
 *
 * Once sent, a row is marked published or, with `retentionHours` 0 (the default), deleted, in the
 * same transaction. The two are alike to both queries, which read only `published_at IS NULL`
 * rows: under READ COMMITTED a `FOR UPDATE` that waited for the other publisher's transaction
 * re-checks the row's newest version, and skips a row that was marked (the condition no longer
 * holds) as it skips one that was deleted (no version left). Deleting is the default because
 * every topic the outboxes feed keeps its records 4 weeks or is compacted (`topicSpecs`): a
 * published row kept as history held what the topic holds, and marking it cost a whole new
 * version of the row, payload included (`published_at` is in the partial indexes, so the UPDATE
 * is never HOT), which vacuum and the pruner then cleaned up as well.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private failingSince: number | null = null;
  private lastError: string | null = null;

  /** What is done to sent rows, `$1` their ids: see `retentionHours`. */
  private readonly publishedStatement: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: MessageProducer,
    private readonly logger: AppLogger,
    /** Times the failing streak (`health`). Published rows kept as history are pruned by the `RetentionPruner`. */
    private readonly clock: Clock,
    private readonly options: OutboxRelayOptions,
  ) {
    const outbox = `"${options.schema}".outbox`;
    this.publishedStatement =
      (options.retentionHours ?? DEFAULT_OUTBOX_RETENTION_HOURS) > 0
        ? `UPDATE ${outbox} SET published_at = now() WHERE id = ANY($1::bigint[])`
        : `DELETE FROM ${outbox} WHERE id = ANY($1::bigint[])`;
  }

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

  /** Publish now rather than at the next poll; a nudge during a pass runs another pass right after it. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  health(): DependencyStatus {
    if (this.failingSince !== null && this.clock.nowMs() - this.failingSince > 30_000) {
      return { ok: false, detail: `outbox relay failing since ${new Date(this.failingSince).toISOString()}: ${this.lastError}` };
    }
    return { ok: true };
  }

  /**
   * One pass: the oldest unpublished rows (at most `batchSize`, only those older than
   * `sweepAfterMs`), sent topic by topic concurrently, each topic's rows in id order, then marked
   * published (deleted with `retentionHours` 0). Returns how many rows it published. Exposed for
   * tests and tools.
   */
  async publishOnce(): Promise<number> {
    const schema = this.options.schema;
    const batchSize = this.options.batchSize ?? 500;
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`bellwether-outbox:${schema}`])) as {
        locked: boolean;
      }[];
      if (!locked) return 0;
      // A blocking row lock, taken in id order (see the class comment): a row `publishCommitted`
      // holds is waited for, then skipped once it reads as published (marked, or deleted).
      // The sweep takes a prefix by id: every unpublished row up to the newest one that is old
      // enough. Not the old-enough rows alone: `created_at` is the writer's transaction start, so a
      // transaction that waited for an account's lock has an older `created_at` than the row of
      // that account it waited for, with a larger id; sweeping it alone would publish a key's newer
      // row before its older one.
      const rows = (await manager.query(
        `SELECT id, topic, key, payload, headers FROM "${schema}".outbox
         WHERE published_at IS NULL AND ($2::int = 0 OR id <= (
           SELECT max(o.id) FROM "${schema}".outbox o WHERE o.published_at IS NULL AND o.created_at < now() - make_interval(secs => $2::int / 1000.0)))
         ORDER BY id LIMIT $1 FOR UPDATE`,
        [batchSize, this.options.sweepAfterMs ?? 0],
      )) as OutboxRow[];
      relayMetrics.pending.set({ schema }, rows.length);
      if (rows.length === 0) return 0;
      await this.sendInOrder(rows, relayMetrics.published);
      await manager.query(this.publishedStatement, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  /**
   * Publishes rows its caller has just committed, with every older unpublished row of the same
   * keys first (a send that failed earlier), so per-key order holds; marks them published (deletes
   * them with `retentionHours` 0) in one statement. Own rows are sent from `committed.messages`,
   * never read back. A failure is logged and counted, not thrown: the rows stay unpublished and the
   * relay sweeps them (in order) once they are `sweepAfterMs` old, or a later `publishCommitted` of
   * the same key takes them along.
   * Returns how many rows it published (0 on failure).
   */
  async publishCommitted(committed: CommittedOutboxRows): Promise<number> {
    if (committed.ids.length === 0) return 0;
    const schema = this.options.schema;
    const own = new Map(committed.ids.map((id, index) => [String(id), committed.messages[index]]));
    const keys = [...new Set(committed.messages.map((message) => message.key).filter((key): key is string => key !== null))];
    const newest = committed.ids.reduce((max, id) => (BigInt(id) > BigInt(max) ? id : max));
    try {
      return await this.dataSource.transaction(async (manager) => {
        const rows = (await manager.query(
          `SELECT id, topic, key,
             CASE WHEN id = ANY($1::bigint[]) THEN NULL ELSE payload END AS payload,
             CASE WHEN id = ANY($1::bigint[]) THEN NULL ELSE headers END AS headers
           FROM "${schema}".outbox
           WHERE published_at IS NULL AND (id = ANY($1::bigint[]) OR (key = ANY($2::text[]) AND id < $3::bigint))
           ORDER BY id FOR UPDATE`,
          [[...own.keys()], keys, newest],
        )) as OutboxRow[];
        if (rows.length === 0) return 0;
        const complete = rows.map((row): OutboxRow => {
          const message = own.get(String(row.id));
          return message ? { id: row.id, topic: message.topic, key: message.key, payload: message.payload, headers: { ...message.headers } } : row;
        });
        await this.sendInOrder(complete, relayMetrics.direct);
        await manager.query(this.publishedStatement, [rows.map((row) => row.id)]);
        return rows.length;
      });
    } catch (error) {
      relayMetrics.directFailures.inc({ schema });
      this.logger.warn({ schema, rows: committed.ids.length, error: error instanceof Error ? error.message : String(error) }, 'publish after commit failed; the relay will sweep the rows');
      return 0;
    }
  }

  /** Sends rows topic by topic concurrently; each topic's rows in one send, in id order. */
  private async sendInOrder(rows: readonly OutboxRow[], counter: Counter<'schema' | 'topic'>): Promise<void> {
    const schema = this.options.schema;
    await Promise.all(
      [...groupByTopicInOrder(rows)].map(async ([topic, records]) => {
        await this.producer.send(topic, records);
        counter.inc({ schema, topic }, records.length);
      }),
    );
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      try {
        this.nudged = false;
        const published = await this.publishOnce();
        attempt = 0;
        this.failingSince = null;
        if (published < (this.options.batchSize ?? 500)) await this.idle(this.options.pollIntervalMs ?? 1000);
      } catch (error) {
        attempt += 1;
        this.failingSince ??= this.clock.nowMs();
        this.lastError = error instanceof Error ? error.message : String(error);
        relayMetrics.failures.inc({ schema: this.options.schema });
        this.logger.warn({ schema: this.options.schema, attempt, error: this.lastError }, 'outbox publish failed, retrying');
        await this.idle(backoffDelay(this.options.backoff ?? defaultBackoff, attempt), false);
      }
    }
  }

  /** Waits `ms` or until a nudge; with `skipIfNudged`, not at all when a nudge came during the pass. */
  private idle(ms: number, skipIfNudged = true): Promise<void> {
    if ((skipIfNudged && this.nudged) || !this.running) return Promise.resolve();
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
