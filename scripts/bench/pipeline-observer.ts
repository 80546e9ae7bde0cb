import type { Client } from 'pg';
import { Topics } from '@bellwether/contracts';
import type { KafkaConnection } from '@bellwether/kafka';
import { readPipelineState } from '@bellwether/testing';
import { sleep } from './stats';

export interface PipelineBacklog {
  /** Records not yet committed, per consumer group. */
  readonly lag: Record<string, number>;
  /** The same per group and topic, where not 0 (which input a group is behind on). */
  readonly lagByTopic: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Unpublished outbox rows, per schema. */
  readonly outbox: Record<string, number>;
}

/** Reads how far behind the consumers and outbox relays are: Kafka offsets and outbox rows. */
export class PipelineObserver {
  private readonly admin: ReturnType<KafkaConnection['client']['admin']>;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly db: Client,
  ) {
    this.admin = connection.client.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  /**
   * Records one group has not committed on the given topics only (contract names), from this
   * observer's admin client: the scoring phase compares it with an applied-events counter, so it
   * must not count the group's other topics (clock ticks pile up while scoring is stopped), which
   * the pipeline-wide `backlog()` does.
   */
  async groupLag(group: string, topics: readonly string[]): Promise<number> {
    let lag = 0;
    const committed = await this.admin.fetchOffsets({ groupId: this.connection.group(group), topics: topics.map((topic) => this.connection.topic(topic)) });
    for (const topic of topics) {
      const physical = this.connection.topic(topic);
      const ends = await this.admin.fetchTopicOffsets(physical);
      const done = committed.find((entry) => entry.topic === physical)?.partitions ?? [];
      for (const end of ends) {
        const offset = Number(done.find((partition) => partition.partition === end.partition)?.offset ?? '-1');
        lag += Number(end.high) - (offset >= 0 ? offset : Number(end.low));
      }
    }
    return lag;
  }

  /** The end offset of every partition of bellwether.events.v1 now (partition → the next offset to be written). */
  async eventsEndOffsets(): Promise<Map<number, bigint>> {
    const ends = await this.admin.fetchTopicOffsets(this.connection.topic(Topics.events));
    return new Map(ends.map((end) => [end.partition, BigInt(end.high)]));
  }

  /** Events on bellwether.events.v1 (sum of the partitions' high watermarks). */
  async eventsOnTopic(): Promise<number> {
    const ends = await this.admin.fetchTopicOffsets(this.connection.topic(Topics.events));
    return ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
  }

  /** The whole pipeline's backlog, read by libs/testing's reader (`readPipelineState`): every group, every outbox. */
  async backlog(): Promise<PipelineBacklog> {
    const state = await readPipelineState(this.connection, this.db);
    return { lag: { ...state.lagByGroup }, lagByTopic: state.lagByGroupTopic, outbox: { ...state.unpublishedBySchema } };
  }

  /** Waits (bounded) until a schema's outbox has nothing left to publish. */
  async waitOutboxEmpty(schema: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const result = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox WHERE published_at IS NULL`);
      if (Number(result.rows[0]?.n ?? 0) === 0) return true;
      await sleep(200);
    }
    return false;
  }

  /**
   * Waits until every consumer group has committed everything and every outbox is published,
   * twice in a row a second apart (a relay may publish between the two reads). Bounded.
   */
  async waitDrained(timeoutMs: number, isHealthy: () => boolean = () => true): Promise<{ drained: boolean; ms: number; last: PipelineBacklog | null }> {
    const started = Date.now();
    let quietReads = 0;
    let last: PipelineBacklog | null = null;
    while (Date.now() - started < timeoutMs) {
      if (!isHealthy()) return { drained: false, ms: Date.now() - started, last };
      try {
        last = await this.backlog();
        const empty = Object.values(last.lag).every((n) => n === 0) && Object.values(last.outbox).every((n) => n === 0);
        quietReads = empty ? quietReads + 1 : 0;
        if (quietReads >= 2) return { drained: true, ms: Date.now() - started, last };
      } catch {
        quietReads = 0;
      }
      await sleep(quietReads > 0 ? 1000 : 500);
    }
    return { drained: false, ms: Date.now() - started, last };
  }
}
