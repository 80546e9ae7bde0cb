import type { Client } from 'pg';
import { Topics } from '@bellwether/contracts';
import type { KafkaConnection } from '@bellwether/kafka';
import type { ArrivingEvent } from './customer-base';

/**
 * Replaying a simulated customer base through the real stack (issue 14): post its events in
 * arrival order over HTTP, wait until the whole pipeline has drained, and read back what came
 * out (score history, alert episodes). Used by e2e/determinism.e2e-spec.ts and `npm run backtest`.
 */

/** What the helpers need of a Postgres client (pg's Client and Pool both fit). */
export type Queryable = Pick<Client, 'query'>;

export interface PostInArrivalOrderOptions {
  /** Ingestion's base URL, e.g. http://127.0.0.1:3000. */
  readonly baseUrl: string;
  /** A key with the `ingest` scope (and `accounts:write`, so the owners in the base apply). */
  readonly key: string;
  /** Events per request (default 500); a request is also cut at 400 KB of JSON. */
  readonly batchSize?: number;
  /** Called after each accepted request, in order; may be async (the posting waits for it). */
  readonly afterBatch?: (progress: { readonly batch: number; readonly batches: number; readonly posted: number; readonly total: number }) => Promise<void> | void;
  /** Attempts per request on 429/503 or a connection error before giving up (default 30). */
  readonly maxAttempts?: number;
}

export interface PostResult {
  readonly requests: number;
  readonly accepted: number;
  readonly duplicates: number;
  /** Requests repeated after a 429/503 or a connection error. */
  readonly retries: number;
  readonly ms: number;
}

const MAX_REQUEST_BYTES = 400_000;

/**
 * Posts the events to `POST /v1/events` strictly in the given (arrival) order, one request at a
 * time, so the order in which they reach Kafka is the order of the list. A 429 or 503 is retried
 * after its Retry-After (at most 5 s each), a connection error after a short backoff; any other
 * answer than 202 throws with the status and body. Ingestion deduplicates ids, so a retried
 * request whose first try reached Kafka counts its events as duplicates, not twice.
 */
export async function postInArrivalOrder(events: readonly ArrivingEvent[], options: PostInArrivalOrderOptions): Promise<PostResult> {
  const started = Date.now();
  const batches = splitIntoRequests(events, options.batchSize ?? 500);
  const maxAttempts = options.maxAttempts ?? 30;
  let accepted = 0;
  let duplicates = 0;
  let retries = 0;
  let posted = 0;
  for (const [index, batch] of batches.entries()) {
    const body = JSON.stringify({ events: batch.map(({ event }) => event) });
    for (let attempt = 1; ; attempt += 1) {
      let retryAfterMs: number;
      try {
        const response = await fetch(`${options.baseUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key}` },
          body,
        });
        const text = await response.text();
        if (response.status === 202) {
          const answer = JSON.parse(text) as { accepted: number; duplicates: number };
          accepted += answer.accepted;
          duplicates += answer.duplicates;
          break;
        }
        if (response.status !== 429 && response.status !== 503) throw new PostRejected(`POST /v1/events answered ${response.status}: ${text.slice(0, 500)}`);
        retryAfterMs = Math.min(5000, Math.max(100, Number(response.headers.get('retry-after') ?? '1') * 1000));
      } catch (error) {
        if (error instanceof PostRejected) throw error;
        retryAfterMs = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
      }
      if (attempt >= maxAttempts) throw new Error(`POST /v1/events: request ${index + 1} of ${batches.length} still not accepted after ${attempt} attempts`);
      retries += 1;
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    }
    posted += batch.length;
    await options.afterBatch?.({ batch: index + 1, batches: batches.length, posted, total: events.length });
  }
  return { requests: batches.length, accepted, duplicates, retries, ms: Date.now() - started };
}

class PostRejected extends Error {}

function splitIntoRequests(events: readonly ArrivingEvent[], batchSize: number): ArrivingEvent[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be an integer ≥ 1 (got ${batchSize})`);
  const batches: ArrivingEvent[][] = [];
  let current: ArrivingEvent[] = [];
  let bytes = 0;
  for (const arriving of events) {
    const size = Buffer.byteLength(JSON.stringify(arriving.event)) + 1;
    if (current.length > 0 && (current.length >= batchSize || bytes + size > MAX_REQUEST_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(arriving);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The pipeline's consumer groups and the topics each reads (contract names), as wired in
 * apps/<service>/src/main.ts. Topics a group has committed offsets for are added at run time, so
 * a consumer added later is covered once it has committed.
 */
export const pipelineConsumerGroups: Readonly<Record<string, readonly string[]>> = {
  'bellwether-scoring': [Topics.events],
  'bellwether-scoring-side-inputs': [Topics.clock, Topics.alerts, Topics.playbookRuns],
  'bellwether-alerting': [Topics.scores],
  'bellwether-playbook': [Topics.alerts, Topics.incidents, Topics.scores],
  'bellwether-playbook-events': [Topics.events],
};

/** The schemas whose outboxes feed the topics. */
const outboxSchemas = ['ingestion', 'scoring', 'alerting', 'playbook'];

/**
 * Topics that carry clocks and access data rather than results (clock ticks, the pipeline
 * watermark, keys, the directory). A service may republish them on a timer, so what is written to
 * them is left out of the "nothing new written" fingerprint; their consumers' effects are in it.
 */
const signalTopics: readonly string[] = [Topics.clock, Topics.watermarks, Topics.apiKeys, Topics.directory];

/** One look at the pipeline: what is still to be consumed or published, and what has been written. */
export interface PipelineState {
  /** Per consumer group: Σ (end offset − committed offset) over the partitions of its topics. */
  readonly lagByGroup: Readonly<Record<string, number>>;
  /** The same per consumer group and topic (contract names), only where it is not 0: which input a group is behind on. */
  readonly lagByGroupTopic: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per schema: outbox rows not yet published. */
  readonly unpublishedBySchema: Readonly<Record<string, number>>;
  /**
   * Records written to the namespace's result topics, score history rows, alerts and their
   * revisions, the newest outbox row of a result topic: changes whenever a result does. (With
   * OUTBOX_RETENTION_HOURS 0 a published row is deleted, so that id may fall back; its record is
   * counted on the topic by then. Only equality of two fingerprints is ever asked.)
   */
  readonly fingerprint: string;
}

/** True when no group lags and no outbox holds an unpublished row. */
export function isIdle(state: PipelineState): boolean {
  return Object.values(state.lagByGroup).every((lag) => lag === 0) && Object.values(state.unpublishedBySchema).every((rows) => rows === 0);
}

/** Reads the consumer lag (Kafka offsets), the outboxes and the fingerprint once. */
export async function readPipelineState(connection: KafkaConnection, db: Queryable, groups: Readonly<Record<string, readonly string[]>> = pipelineConsumerGroups): Promise<PipelineState> {
  const admin = connection.client.admin();
  await admin.connect();
  const lagByGroup: Record<string, number> = {};
  const lagByGroupTopic: Record<string, Record<string, number>> = {};
  let written = 0n;
  try {
    const namespaceTopics = (await admin.listTopics()).filter((topic) => topic.startsWith(connection.namespace)).sort();
    const ends = new Map<string, { partition: number; high: bigint; low: bigint }[]>();
    for (const topic of namespaceTopics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, offsets.map((entry) => ({ partition: entry.partition, high: BigInt(entry.high), low: BigInt(entry.low) })));
      if (!signalTopics.includes(connection.logicalTopic(topic))) for (const entry of offsets) written += BigInt(entry.high);
    }
    for (const [group, logicalTopics] of Object.entries(groups)) {
      // The known topics, plus any other topic of the namespace the group has committed on (a consumer added later).
      const committed = await admin.fetchOffsets({ groupId: connection.group(group), topics: namespaceTopics });
      const known = new Set(logicalTopics.map((topic) => connection.topic(topic)));
      const topics = committed.filter((entry) => known.has(entry.topic) || entry.partitions.some((partition) => BigInt(partition.offset) >= 0n)).map((entry) => entry.topic);
      let lag = 0n;
      for (const topic of topics) {
        const done = new Map((committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
        let topicLag = 0n;
        for (const end of ends.get(topic) ?? []) {
          const offset = done.get(end.partition) ?? -1n;
          const position = offset >= 0n ? offset : end.low;
          if (end.high > position) topicLag += end.high - position;
        }
        lag += topicLag;
        if (topicLag > 0n) (lagByGroupTopic[group] ??= {})[connection.logicalTopic(topic)] = Number(topicLag);
      }
      lagByGroup[group] = Number(lag);
    }
  } finally {
    await admin.disconnect();
  }
  const unpublishedBySchema: Record<string, number> = {};
  const tables: Record<string, string> = {};
  for (const schema of outboxSchemas) {
    const outbox = await countIfPresent(
      db,
      `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS n,
              coalesce(max(id) FILTER (WHERE NOT (topic = ANY($1::text[]) OR topic = ANY($2::text[]))), 0)::text AS last
       FROM "${schema}".outbox`,
      [signalTopics, signalTopics.map((topic) => connection.topic(topic))],
    );
    unpublishedBySchema[schema] = outbox?.n ?? 0;
    tables[`${schema}.outbox`] = outbox?.last ?? '-';
  }
  const history = await countIfPresent(db, 'SELECT count(*)::int AS n, coalesce(max(id), 0)::text AS last FROM scoring.score_history');
  tables['scoring.score_history'] = history ? `${history.n}/${history.last}` : '-';
  const alerts = await countIfPresent(db, 'SELECT count(*)::int AS n, coalesce(sum(revision), 0)::text AS last FROM alerting.alerts');
  tables['alerting.alerts'] = alerts ? `${alerts.n}/${alerts.last}` : '-';
  return { lagByGroup, lagByGroupTopic, unpublishedBySchema, fingerprint: JSON.stringify({ written: written.toString(), ...tables }) };
}

/** A count query on a table that may not exist (yet): null then. */
async function countIfPresent(db: Queryable, sql: string, parameters: unknown[] = []): Promise<{ n: number; last: string } | null> {
  try {
    const result = await db.query<{ n: number; last: string }>(sql, parameters);
    return result.rows[0] ?? null;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return null;
    throw error;
  }
}

export interface DrainOptions {
  /** Give up (throw, with the last state) after this long. */
  readonly timeoutMs: number;
  /**
   * How long the pipeline must stay idle with nothing new written before it counts as drained.
   * Longer than any service's idle timer (scoring's day-roll and the outbox relays poll every
   * 2 s by default and may have missed a nudge), so work that such a timer still owes shows up.
   * Default 6 s.
   */
  readonly quietMs?: number;
  readonly pollMs?: number;
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /** Progress lines (about every 10 s while waiting). */
  readonly log?: (message: string) => void;
}

/**
 * Waits until the pipeline has drained: every consumer group has committed everything on its
 * input topics, every outbox is published, and nothing new has been written anywhere (topics,
 * score history, alerts, outboxes) for `quietMs`. Polls; throws after `timeoutMs` with the last
 * state. Call it once everything was posted (every request answered 202).
 */
export async function waitForPipelineDrain(connection: KafkaConnection, db: Queryable, options: DrainOptions): Promise<{ readonly ms: number; readonly polls: number; readonly state: PipelineState }> {
  const started = Date.now();
  const quietMs = options.quietMs ?? 6000;
  const pollMs = options.pollMs ?? 500;
  let polls = 0;
  let last: PipelineState | null = null;
  let idleSince: number | null = null;
  let lastError: string | null = null;
  let lastLog = started;
  for (;;) {
    try {
      const state = await readPipelineState(connection, db, options.groups);
      polls += 1;
      lastError = null;
      const unchanged = last !== null && last.fingerprint === state.fingerprint;
      if (!isIdle(state)) idleSince = null;
      else if (!unchanged || idleSince === null) idleSince = Date.now();
      last = state;
      if (idleSince !== null && Date.now() - idleSince >= quietMs) return { ms: Date.now() - started, polls, state };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      idleSince = null;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new Error(`the pipeline did not drain within ${options.timeoutMs} ms; last state ${JSON.stringify(last)}${lastError ? `; last error: ${lastError}` : ''}`);
    }
    if (options.log && Date.now() - lastLog > 10_000) {
      options.log(`draining: lag ${JSON.stringify(last?.lagByGroup ?? {})}, unpublished ${JSON.stringify(last?.unpublishedBySchema ?? {})}`);
      lastLog = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** One row of `scoring.score_history`: what the determinism test compares. */
export interface ScoreHistoryRow {
  readonly sequence: number;
  /** The evaluation's event time, ISO-8601. */
  readonly eventTime: string;
  readonly health: number;
  readonly band: string;
  readonly churnRisk: number;
  readonly segment: string;
  readonly stage: string;
}

/** Every account's score history, in sequence order, accounts sorted by id. */
export async function readScoreHistory(db: Queryable): Promise<Map<string, ScoreHistoryRow[]>> {
  const result = await db.query<{ account_id: string; sequence: number; event_time: Date; health: number; band: string; churn_risk: number; segment: string; stage: string }>(
    'SELECT account_id, sequence, event_time, health, band, churn_risk, segment, stage FROM scoring.score_history ORDER BY account_id, sequence',
  );
  const history = new Map<string, ScoreHistoryRow[]>();
  for (const row of result.rows) {
    const rows = history.get(row.account_id) ?? [];
    rows.push({ sequence: row.sequence, eventTime: row.event_time.toISOString(), health: row.health, band: row.band, churnRisk: Number(row.churn_risk), segment: row.segment, stage: row.stage });
    history.set(row.account_id, rows);
  }
  return history;
}

/** One alert episode: an alert from its opening to its resolution (event times), as alerting stores it. */
export interface AlertEpisode {
  readonly accountId: string;
  readonly rule: string;
  readonly category: string;
  readonly severity: string;
  /** Event time the alert opened at, ISO-8601. */
  readonly openedAt: string;
  /** Event time it resolved at, or null while it is active. */
  readonly resolvedAt: string | null;
  readonly status: string;
}

/** Every alert of `alerting.alerts`, sorted by account, opening time and rule. */
export async function readAlertEpisodes(db: Queryable): Promise<AlertEpisode[]> {
  const result = await db.query<{ account_id: string; rule_id: string; category: string; severity: string; opened_at: Date; resolved_at: Date | null; status: string }>(
    'SELECT account_id, rule_id, category, severity, opened_at, resolved_at, status FROM alerting.alerts ORDER BY account_id, opened_at, rule_id',
  );
  return result.rows.map((row) => ({
    accountId: row.account_id,
    rule: row.rule_id,
    category: row.category,
    severity: row.severity,
    openedAt: row.opened_at.toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    status: row.status,
  }));
}
