import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { sleep } from './stats';

/** What one POST /v1/events answered. */
export interface PostResult {
  readonly status: number;
  readonly accepted: number;
  readonly ms: number;
  /** Response body of a non-202 answer (for the report). */
  readonly problem?: string;
}

/**
 * A lean HTTP client for POST /v1/events: node:http with a keep-alive agent, so the load
 * generator spends as little of the shared CPU as possible (undici's fetch costs more per call).
 */
export class IngestClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly key: string,
    maxSockets: number,
    private readonly timeoutMs = 30_000,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  post(body: string): Promise<PostResult> {
    const started = performance.now();
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method: 'POST',
          path: '/v1/events',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${this.key}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 202) {
              const accepted = Number(/"accepted":(\d+)/.exec(text)?.[1] ?? 0);
              resolve({ status, accepted, ms });
            } else {
              resolve({ status, accepted: 0, ms, problem: text.slice(0, 500) });
            }
          });
          res.on('error', (error) => resolve({ status: 0, accepted: 0, ms: performance.now() - started, problem: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => resolve({ status: 0, accepted: 0, ms: performance.now() - started, problem: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Builds batches of native events of a fixed JSON size, each with a unique id. */
export class EventFactory {
  private sequence = 0;
  private readonly features = ['reports', 'dashboards', 'integrations', 'automation', 'api'];

  constructor(
    private readonly runId: string,
    private readonly eventBytes: number,
  ) {}

  /** One background usage event (feature.used or session.started) of exactly `eventBytes` JSON bytes. */
  usageEvent(accountId: string, nowMs: number): string {
    const n = this.sequence++;
    const id = `b${this.runId}-${n}`;
    const type = n % 5 === 4 ? 'session.started' : 'feature.used';
    const userId = `u${n % 12}`;
    // Spread over the last 14 days so the day counters fill as they would in production.
    const timestamp = new Date(nowMs - (n % 14) * 86_400_000 - (n % 3600) * 1000).toISOString();
    const feature = this.features[n % this.features.length] ?? 'reports';
    const head = `{"id":"${id}","type":"${type}","accountId":"${accountId}","userId":"${userId}","timestamp":"${timestamp}","properties":{"feature":"${feature}","pad":"`;
    const tail = '"}}';
    const padding = Math.max(0, this.eventBytes - head.length - tail.length);
    return `${head}${'x'.repeat(padding)}${tail}`;
  }

  /** A batch body of `size` usage events; `accountOf(i)` picks each event's account. */
  usageBatch(size: number, accountOf: (index: number) => string, nowMs = Date.now()): string {
    const events: string[] = [];
    for (let index = 0; index < size; index += 1) events.push(this.usageEvent(accountOf(index), nowMs));
    return `{"events":[${events.join(',')}]}`;
  }

  /**
   * A usage batch of `size` events whose last three are a latency probe: a fresh account with an
   * owner CSM, a detractor NPS and a failed payment, which scoring turns red (health ≈ 14) and
   * for which alerting opens health_entered_red and friends. The batch keeps its size, so a
   * probe adds no request and no event to the load.
   */
  probeInUsageBatch(probeAccountId: string, size: number, accountOf: (index: number) => string, nowMs = Date.now()): string {
    const n = this.sequence++;
    const at = new Date(nowMs - 1000).toISOString();
    const probe = [
      { id: `p${this.runId}-${n}-a`, type: 'account.updated', accountId: probeAccountId, timestamp: at, properties: { traits: { csmId: 'csm-bench' } } },
      { id: `p${this.runId}-${n}-n`, type: 'nps.responded', accountId: probeAccountId, userId: 'u1', timestamp: at, properties: { score: 2, comment: 'benchmark probe' } },
      { id: `p${this.runId}-${n}-b`, type: 'billing.payment_failed', accountId: probeAccountId, timestamp: at, properties: {} },
    ].map((event) => JSON.stringify(event));
    const usage: string[] = [];
    for (let index = 0; index < Math.max(0, size - probe.length); index += 1) usage.push(this.usageEvent(accountOf(index), nowMs));
    return `{"events":[${[...usage, ...probe].join(',')}]}`;
  }
}

export interface LoadResult {
  readonly requests: number;
  readonly acceptedEvents: number;
  /** From the first request to the last answer, ms. */
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly statuses: Record<string, number>;
  readonly problems: string[];
}

class LoadRecorder {
  requests = 0;
  acceptedEvents = 0;
  readonly latenciesMs: number[] = [];
  readonly statuses: Record<string, number> = {};
  readonly problems: string[] = [];

  record(result: PostResult): void {
    this.requests += 1;
    this.acceptedEvents += result.accepted;
    this.latenciesMs.push(result.ms);
    this.statuses[String(result.status)] = (this.statuses[String(result.status)] ?? 0) + 1;
    if (result.problem && this.problems.length < 10) this.problems.push(`${result.status}: ${result.problem}`);
  }

  result(elapsedMs: number): LoadResult {
    return { requests: this.requests, acceptedEvents: this.acceptedEvents, elapsedMs, latenciesMs: this.latenciesMs, statuses: this.statuses, problems: this.problems };
  }
}

/**
 * Closed loop: `concurrency` workers each post a batch, wait for the answer, post the next, until
 * `durationMs` has passed or `maxBatches` batches were sent (whichever comes first).
 */
export async function runClosedLoop(options: {
  client: IngestClient;
  concurrency: number;
  durationMs: number;
  maxBatches?: number;
  nextBody: () => string;
}): Promise<LoadResult> {
  const recorder = new LoadRecorder();
  const started = performance.now();
  const deadline = started + options.durationMs;
  let issued = 0;
  const maxBatches = options.maxBatches ?? Number.MAX_SAFE_INTEGER;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && issued < maxBatches) {
      issued += 1;
      recorder.record(await options.client.post(options.nextBody()));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return recorder.result(performance.now() - started);
}

/** A request body of a load, and optionally what to do with its answer (a latency probe rides in it). */
export type LoadBody = string | { readonly body: string; readonly answered: (result: PostResult, sentAt: number, answeredAt: number) => void };

/**
 * Open loop at a steady rate: one batch every `batchIntervalMs` on a fixed schedule (no
 * coordinated omission: a slow answer does not delay the next send), at most `maxInFlight`
 * requests outstanding; when that cap is hit the schedule slips, which shows as a lower rate.
 * A body given with `answered` (a batch that carries a latency probe) is told its send time and
 * the time its answer arrived (epoch ms).
 */
export async function runSteadyRate(options: {
  client: IngestClient;
  eventsPerSecond: number;
  eventsPerBatch: number;
  durationMs: number;
  maxInFlight: number;
  nextBody: () => LoadBody;
}): Promise<LoadResult & { skippedBatches: number }> {
  const recorder = new LoadRecorder();
  const batchIntervalMs = (1000 * options.eventsPerBatch) / options.eventsPerSecond;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const pending = new Set<Promise<void>>();
  let skippedBatches = 0;
  let nextBatchAt = started;
  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  while (performance.now() < deadline) {
    const now = performance.now();
    if (now >= nextBatchAt) {
      if (pending.size < options.maxInFlight) {
        const next = options.nextBody();
        const sentAt = Date.now();
        track(
          options.client.post(typeof next === 'string' ? next : next.body).then((result) => {
            recorder.record(result);
            if (typeof next !== 'string') next.answered(result, sentAt, Date.now());
          }),
        );
      } else {
        skippedBatches += 1;
      }
      nextBatchAt += batchIntervalMs;
      continue;
    }
    await sleep(Math.max(0, Math.min(nextBatchAt, deadline) - performance.now()));
  }
  await Promise.all(pending);
  return { ...recorder.result(performance.now() - started), skippedBatches };
}
