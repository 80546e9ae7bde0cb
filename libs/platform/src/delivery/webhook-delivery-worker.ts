import type { Clock } from '../clock/clock';
import type { AppLogger } from '../logging/logger';
import { IntervalWorker } from '../scheduling/interval-worker';
import { type DeliveryFailure, deliveryOutcome, type DeliveryOutcome, type DeliveryRetryPolicy } from './delivery-outcome';
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from './webhook-signature';

/** A delivery row as claimed: its id, the attempts made so far, and the lease it was claimed under. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly attempts: number;
  /** The claim's lease end. Recording statements match on it, so a claimer whose lease ran out and was taken over records nothing. */
  readonly claimedUntil: Date;
}

/**
 * The row access of one delivery table (a service's repository). Each method is one short
 * statement or transaction; none is open while a request is under way. The `record*` methods
 * resolve to false when the claim no longer held the row (its lease ran out and another claimer
 * took it over): then nothing was recorded, and the row's result is the new claimer's to count.
 */
export interface DeliveryStore<D extends ClaimedDelivery> {
  /**
   * Claims up to `limit` pending rows due at `now` whose lease (if any) has run out, oldest first,
   * setting their lease to `claimedUntil`. Rows claimed by another pass or replica are skipped
   * (`FOR UPDATE SKIP LOCKED` inside the one statement).
   */
  claimDue(limit: number, now: Date, claimedUntil: Date): Promise<D[]>;
  /** Delivered after `attempts` attempts, lease released. */
  recordDelivered(delivery: D, attempts: number): Promise<boolean | void>;
  /** Back to pending, due at `nextAttemptAt`, lease released. */
  recordRetry(delivery: D, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean | void>;
  /** Given up after the last attempt (playbook also parks the run, in the same transaction). */
  recordFailed(delivery: D, attempts: number, error: string): Promise<boolean | void>;
  /** Not sent at all, with the reason (e.g. no adapter configured). */
  recordSkipped(delivery: D, reason: string): Promise<boolean | void>;
}

/** One request to send. The signature header is added at send time when `signingSecret` is set. */
export interface DeliveryRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signingSecret?: string;
}

/**
 * One attempt over another channel than an HTTP POST (an SMTP relay): resolves null when the
 * receiver accepted it, or the failure, transient or permanent (`deliveryOutcome`). It must
 * resolve, not reject, and give up within `timeoutMs` (the worker's request timeout).
 */
export type DeliveryAttempt = (timeoutMs: number) => Promise<DeliveryFailure | null>;

/**
 * What to do with a claimed row: POST it (`send`), make one attempt over another channel
 * (`attempt`), or record it as skipped with a reason (`skip`). Whatever the channel, the row's
 * retries, backoff, lease and recording are the same.
 */
export type DeliveryPlan = { readonly send: DeliveryRequest } | { readonly attempt: DeliveryAttempt } | { readonly skip: string };

/** The result of one row's pass, as the services' metrics count it. */
export type DeliveryResult = 'delivered' | 'retry' | 'failed' | 'skipped';

/** One delivery table's worker: its rows, how to turn one into a request, and its retry policy. */
export interface WebhookDeliveryWorkerOptions<D extends ClaimedDelivery> {
  readonly store: DeliveryStore<D>;
  readonly plan: (delivery: D) => DeliveryPlan;
  readonly retry: DeliveryRetryPolicy;
  readonly clock: Clock;
  readonly logger: AppLogger;
  /** Called once a row's result is recorded (metrics, logs, nudging the outbox relay). */
  readonly onResult?: (delivery: D, result: DeliveryResult, outcome: DeliveryOutcome | null) => void;
  /** How often due rows are looked for, ms (default 500). */
  readonly pollIntervalMs?: number;
  /** Requests under way at once, at most (default 10): a slow receiver takes one slot, not the loop. */
  readonly maxInFlight?: number;
  /** Per-request timeout, ms (default 5000); a timeout is a failed attempt. */
  readonly requestTimeoutMs?: number;
  /** How long a claim holds a row, ms (default 60000, at least twice the timeout); a crashed claimer's rows are due again after it. */
  readonly leaseMs?: number;
  /** For log lines. */
  readonly name: string;
}

/**
 * Claim → send → record, with no transaction open while sending (an HTTP POST, or any other
 * channel's `DeliveryAttempt`, e.g. playbook's SMTP emails). Every pass claims as many due
 * rows as there are free request slots (one short statement that sets a lease), starts their
 * requests and returns; each request's result is recorded by its own short statement when it
 * ends. So a slow receiver holds neither a Postgres lock nor a connection, and delays nobody
 * else's delivery. Delivery is at least once: a crash after the send and before the record
 * re-sends once the lease runs out, so receivers dedupe on the delivery's id header.
 */
export class WebhookDeliveryWorker<D extends ClaimedDelivery> {
  private readonly loop: IntervalWorker;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private readonly requestTimeoutMs: number;
  private readonly leaseMs: number;

  constructor(private readonly options: WebhookDeliveryWorkerOptions<D>) {
    this.maxInFlight = options.maxInFlight ?? 10;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.leaseMs = Math.max(options.leaseMs ?? 60_000, 2 * this.requestTimeoutMs);
    this.loop = new IntervalWorker(options.pollIntervalMs ?? 500, () => this.claimAndStart());
  }

  /** Starts polling for due rows (idempotent). */
  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the requests under way to be sent and recorded. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all([...this.inFlight]);
  }

  private async claimAndStart(): Promise<void> {
    const free = this.maxInFlight - this.inFlight.size;
    if (free <= 0) return;
    const nowMs = this.options.clock.nowMs();
    let claimed: D[];
    try {
      claimed = await this.options.store.claimDue(free, new Date(nowMs), new Date(nowMs + this.leaseMs));
    } catch (error) {
      this.options.logger.warn({ err: error, worker: this.options.name }, 'delivery claim failed; will retry');
      return;
    }
    for (const delivery of claimed) {
      const work = this.deliver(delivery).catch((error: unknown) =>
        // The lease runs out and the row is due again: nothing is lost.
        this.options.logger.warn({ err: error, worker: this.options.name, deliveryId: delivery.id }, 'a delivery pass failed before its result was recorded; the row is due again after its lease'),
      );
      this.inFlight.add(work);
      void work.finally(() => {
        this.inFlight.delete(work);
        // A slot is free: look for more without waiting for the next tick.
        this.loop.nudge();
      });
    }
  }

  private async deliver(delivery: D): Promise<void> {
    let plan: DeliveryPlan;
    try {
      plan = this.options.plan(delivery);
    } catch (error) {
      // A row the service cannot even plan (a bug on one input) is a failed attempt: it ends
      // failed after the last one, where a throw here would leave it to be claimed forever.
      plan = { attempt: async () => ({ error: `could not prepare the delivery: ${error instanceof Error ? error.message : String(error)}`, permanent: false }) };
    }
    if ('skip' in plan) {
      if (this.stillHeld(delivery, await this.options.store.recordSkipped(delivery, plan.skip))) this.options.onResult?.(delivery, 'skipped', null);
      return;
    }
    const failure = 'send' in plan ? await this.send(plan.send) : await plan.attempt(this.requestTimeoutMs);
    const outcome = deliveryOutcome(delivery.attempts, failure, this.options.retry, this.options.clock.nowMs());
    let recorded: boolean | void;
    switch (outcome.kind) {
      case 'delivered':
        recorded = await this.options.store.recordDelivered(delivery, outcome.attempts);
        break;
      case 'retry':
        recorded = await this.options.store.recordRetry(delivery, outcome.attempts, outcome.error, new Date(outcome.nextAttemptAtMs));
        break;
      case 'failed':
        recorded = await this.options.store.recordFailed(delivery, outcome.attempts, outcome.error);
        break;
    }
    if (this.stillHeld(delivery, recorded)) this.options.onResult?.(delivery, outcome.kind, outcome);
  }

  /** False (and logged) when recording found the row claimed by someone else: its result is theirs to count. */
  private stillHeld(delivery: D, recorded: boolean | void): boolean {
    if (recorded !== false) return true;
    this.options.logger.info({ worker: this.options.name, deliveryId: delivery.id }, 'delivery lease ran out before its result was recorded; the row was claimed again');
    return false;
  }

  /** POSTs the request; returns the error, or null when the receiver answered 2xx. */
  private async send(request: DeliveryRequest): Promise<string | null> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.signingSecret) headers[WEBHOOK_SIGNATURE_HEADER] = signWebhook(request.signingSecret, request.body, this.options.clock.nowSeconds());
    try {
      const response = await fetch(request.url, { method: 'POST', headers, body: request.body, signal: AbortSignal.timeout(this.requestTimeoutMs) });
      // The answer's body is not read: release its connection.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? null : `answered ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
