import { Agent, request } from 'node:http';
import type { LoadOptions, Random } from './chaos.config';
import { sleep } from './chaos.config';
import type { EventLedger, SentEvent } from './event-ledger';

/** One HTTP answer, or what went wrong on the way (`kind` is the status, `network` or `timeout`). */
export interface Answer {
  readonly status: number;
  readonly kind: string;
  readonly body: string;
  readonly retryAfterMs: number | null;
}

/** node:http with keep-alive: cheap on the shared CPU, and a killed server shows up as a socket error. */
export class IngestClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.url = new URL(baseUrl);
  }

  post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (answer: Answer) => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const req = request(
        {
          host: this.url.hostname,
          port: Number(this.url.port),
          method: 'POST',
          path,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const retryAfter = Number(res.headers['retry-after']);
            finish({ status, kind: String(status), body: Buffer.concat(chunks).toString('utf8'), retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null });
          });
          res.on('error', (error) => finish({ status: 0, kind: 'network', body: error.message, retryAfterMs: null }));
        },
      );
      req.on('timeout', () => {
        finish({ status: 0, kind: 'timeout', body: `no answer within ${this.timeoutMs} ms`, retryAfterMs: null });
        req.destroy();
      });
      req.on('error', (error) => finish({ status: 0, kind: 'network', body: error.message, retryAfterMs: null }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const features = ['reports', 'dashboards', 'integrations', 'automation', 'api'];

type Weighted = readonly (readonly [number, (account: string) => Omit<SentEvent, 'id' | 'accountId' | 'timestamp'> & { timestamp?: string }])[];

/**
 * Uniquely identified events over a fixed set of accounts. Every fourth account is troubled
 * (tickets, failed payments, detractor answers, some recoveries), so alerts open, update and
 * resolve and playbooks start while the faults hit; the others are ordinary product use.
 * Activity is timed within the last six hours, far inside scoring's allowed lateness, so every
 * accepted event is owed an effect.
 */
export class ChaosEventFactory {
  private sequence = 0;
  private readonly introduced = new Set<number>();
  private readonly healthy: Weighted;
  private readonly troubled: Weighted;

  constructor(
    private readonly runTag: string,
    private readonly accounts: number,
    private readonly random: Random,
  ) {
    const user = () => `u${this.random.int(0, 9)}`;
    this.healthy = [
      [30, () => ({ type: 'session.started', userId: user(), properties: {} })],
      [45, () => ({ type: 'feature.used', userId: user(), properties: { feature: this.random.pick(features) } })],
      [10, () => ({ type: 'page.viewed', userId: user(), properties: { path: this.random.pick(['/reports', '/settings', '/pricing']) } })],
      [5, () => ({ type: 'usage.reported', properties: { metric: 'api_calls', value: this.random.int(1000, 9900), limit: 10_000 } })],
      [5, () => ({ type: 'nps.responded', userId: user(), properties: { score: this.random.int(7, 10) } })],
      [5, () => ({ type: 'feature.gated', userId: user(), properties: { feature: 'sso' } })],
    ];
    this.troubled = [
      [25, () => ({ type: 'support.ticket_opened', userId: user(), properties: { ticketId: `t${this.random.int(1, 1e6)}`, topic: this.random.pick(['sync', 'billing', 'login']), severity: this.random.pick(['low', 'high']) } })],
      [8, () => ({ type: 'billing.payment_failed', properties: {} })],
      [8, () => ({ type: 'billing.payment_succeeded', properties: {} })],
      [8, () => ({ type: 'nps.responded', userId: user(), properties: { score: this.random.int(0, 4), comment: 'chaos' } })],
      [6, () => ({ type: 'support.ticket_resolved', properties: { ticketId: `t${this.random.int(1, 1e6)}` } })],
      [20, () => ({ type: 'session.started', userId: user(), properties: {} })],
      [25, () => ({ type: 'feature.used', userId: user(), properties: { feature: this.random.pick(features) } })],
    ];
  }

  accountId(index: number): string {
    return `${this.runTag}-acct-${String(index).padStart(3, '0')}`;
  }

  nextId(): string {
    this.sequence += 1;
    return `${this.runTag}-e${this.sequence}`;
  }

  /** A batch of about `size` events (an account's first appearance brings its two setup events). */
  batch(size: number): SentEvent[] {
    const events: SentEvent[] = [];
    while (events.length < size) {
      const index = this.random.int(0, this.accounts - 1);
      if (!this.introduced.has(index)) {
        this.introduced.add(index);
        events.push(...this.setup(index));
      } else {
        events.push(this.activity(index));
      }
    }
    return events;
  }

  /** Plan, seats, MRR and the owner CSM: attribute events, which are never too late. */
  private setup(index: number): SentEvent[] {
    const accountId = this.accountId(index);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    return [
      { id: this.nextId(), type: 'subscription.changed', accountId, timestamp: daysAgo(200), properties: { plan: 'pro', seats: 10, mrr: 500 * this.random.int(1, 40), startDate: daysAgo(200) } },
      { id: this.nextId(), type: 'account.updated', accountId, timestamp: daysAgo(200), properties: { traits: { csmId: `csm-${index % 7}` } } },
    ];
  }

  private activity(index: number): SentEvent {
    const table = index % 4 === 0 ? this.troubled : this.healthy;
    const total = table.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.random.next() * total;
    let make = table[0]?.[1];
    for (const [weight, candidate] of table) {
      roll -= weight;
      if (roll < 0) {
        make = candidate;
        break;
      }
    }
    const accountId = this.accountId(index);
    const made = (make as Weighted[number][1])(accountId);
    const timestamp = new Date(Date.now() - this.random.int(0, 6 * 3600) * 1000).toISOString();
    return { id: this.nextId(), accountId, timestamp, ...made };
  }
}

/**
 * The sender: batches at a steady rate, each posted until it is answered 202, exactly as a client
 * would: the same body (same ids) again after a 503 (honouring Retry-After), any 5xx, a 429, a
 * timeout or a refused connection, with bounded, jittered backoff. A 202 puts every id of the batch
 * in the ledger; a batch that is still not accepted after `giveUpAfterMs` is abandoned.
 */
export class LoadDriver {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private startedAt = 0;
  private stoppedAt = 0;

  constructor(
    private readonly client: IngestClient,
    private readonly authorization: string,
    private readonly factory: ChaosEventFactory,
    private readonly ledger: EventLedger,
    private readonly options: LoadOptions,
    private readonly random: Random,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = Date.now();
    this.loop = this.run();
  }

  /** Stops generating and waits until every open batch is accepted, rejected or abandoned. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.stoppedAt = Date.now();
  }

  get openBatches(): number {
    return this.inFlight.size;
  }

  /** Seconds between start and stop. */
  get seconds(): number {
    return ((this.stoppedAt || Date.now()) - this.startedAt) / 1000;
  }

  /** Posts one batch until it is accepted (or given up), as the load does. */
  async deliver(events: readonly SentEvent[], path = '/v1/events', body: string = JSON.stringify({ events }), headers: Record<string, string> = { authorization: this.authorization }): Promise<Answer> {
    const firstSent = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const answer = await this.client.post(path, body, headers);
      this.ledger.noteAnswer(answer.kind);
      if (answer.status === 202 || (answer.status === 200 && path !== '/v1/events')) {
        this.ledger.accept(events, Number(/"duplicates":(\d+)/.exec(answer.body)?.[1] ?? 0));
        return answer;
      }
      const retryable = answer.status === 0 || answer.status === 429 || answer.status >= 500;
      if (!retryable) {
        this.ledger.reject(events, answer.status, answer.body);
        return answer;
      }
      if (Date.now() - firstSent > this.options.giveUpAfterMs) {
        this.ledger.abandon(events);
        return answer;
      }
      this.ledger.retries += 1;
      const backoff = Math.min(5000, 250 * 2 ** Math.min(attempt - 1, 5)) * (0.5 + this.random.next() / 2);
      await sleep(answer.retryAfterMs ?? backoff);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      while (this.running && this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
      if (!this.running) break;
      const batch = this.factory.batch(this.random.int(this.options.minBatch, this.options.maxBatch));
      this.ledger.sent += batch.length;
      const delivery: Promise<void> = this.deliver(batch)
        .then(() => undefined)
        .finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
      await sleep((batch.length / this.options.eventsPerSecond) * 1000);
    }
  }
}
