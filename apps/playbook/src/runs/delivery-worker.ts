import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type CsmAddresses, DirectoryRing } from '@bellwether/auth';
import { Counter } from 'prom-client';
import { APP_LOGGER, type AppLogger, Clock, type DeliveryPlan, describeSmtpUrl, OutboxRelay, retryConfig, SmtpSender, WebhookDeliveryWorker } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { DeliveryRepository, type PlaybookDelivery } from './delivery.repository';
import { planEmail } from './email-delivery';
import { PlaybookSource } from '../playbooks/playbook-activations';
import { PlaybookRunner } from './playbook-runner.service';

/** How a delivery goes out: webhook steps always by webhook; email steps by SMTP, the email webhook, or not at all. */
export type DeliveryChannel = 'smtp' | 'webhook' | 'none';

const deliveryMetrics = new Counter({
  name: 'bellwether_playbook_deliveries_total',
  help: 'Email and webhook step deliveries by kind, channel (smtp, webhook, none) and result',
  labelNames: ['kind', 'channel', 'result'] as const,
});

/** The channel of email steps: SMTP when SMTP_URL is set, else the email webhook when EMAIL_WEBHOOK_URL is, else none (skipped). */
export function emailChannel(env: Pick<PlaybookEnv, 'SMTP_URL' | 'EMAIL_WEBHOOK_URL'>): DeliveryChannel {
  return env.SMTP_URL ? 'smtp' : env.EMAIL_WEBHOOK_URL ? 'webhook' : 'none';
}

/**
 * Performs email and webhook steps. Each delivery is a row keyed by the step's idempotency key,
 * so it happens at most once in effect; a failure retries with exponential backoff
 * (DELIVERY_BACKOFF_*, shared retry config), and after DELIVERY_MAX_ATTEMPTS the delivery fails
 * and its run is parked with the error. Emails go out by one channel (`emailChannel`):
 * - SMTP (SMTP_URL): rendered from the step's templates (`planEmail`), to the owner CSM's address
 *   or EMAIL_FALLBACK_TO, with a Message-ID derived from the delivery id. A 5xx reply fails the
 *   delivery at once (no retry) and parks the run with the reply; a 4xx reply or a connection
 *   failure is retried. No template or no recipient fails it at once too.
 * - the EMAIL_WEBHOOK_URL adapter: the template name and ids are POSTed, as before.
 * - neither: marked skipped (visible, not lost silently).
 * With PLAYBOOK_WEBHOOK_SECRET set, each webhook request is signed (`Bellwether-Signature`, as
 * alerting's). Deliveries run on the wall clock (`Clock`) in every CLOCK_MODE, unlike waits: a
 * retry's backoff waits for a real endpoint to recover, and a parked run's time is when the
 * operator's problem began. The shared `WebhookDeliveryWorker` claims rows with a lease and sends
 * with no transaction open, whatever the channel.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: WebhookDeliveryWorker<PlaybookDelivery>;
  private readonly smtp: SmtpSender | null;
  private stopped = false;
  private started = false;

  constructor(
    repository: DeliveryRepository,
    runner: PlaybookRunner,
    @Inject(DirectoryRing) private readonly directory: CsmAddresses,
    relay: OutboxRelay,
    env: PlaybookEnv,
    clock: Clock,
    @Inject(APP_LOGGER) logger: AppLogger,
    private readonly playbooks: PlaybookSource,
  ) {
    const retry = retryConfig(env);
    const emails = emailChannel(env);
    const requestTimeoutMs = 5000;
    this.smtp = env.SMTP_URL ? new SmtpSender(env.SMTP_URL, requestTimeoutMs) : null;
    const smtp = this.smtp;
    const emailSettings = { from: env.EMAIL_FROM ?? '', ...(env.EMAIL_FALLBACK_TO ? { fallbackTo: env.EMAIL_FALLBACK_TO } : {}) };
    // The owner CSM's address from the directory (bellwether.directory.v1); none: EMAIL_FALLBACK_TO.
    const csmAddress = (csmId: string): string | null => directory.emailOfCsm(csmId);
    const channelOf = (delivery: PlaybookDelivery): DeliveryChannel => (delivery.kind === 'webhook' ? 'webhook' : emails);
    this.worker = new WebhookDeliveryWorker({
      name: 'playbook-deliveries',
      store: {
        claimDue: (limit, now, claimedUntil) => repository.claimDue(limit, now, claimedUntil),
        recordDelivered: (delivery, attempts) => repository.recordDelivered(delivery, attempts),
        recordRetry: (delivery, attempts, error, nextAttemptAt) => repository.recordRetry(delivery, attempts, error, nextAttemptAt),
        recordSkipped: (delivery, reason) => repository.recordSkipped(delivery, reason),
        recordFailed: (delivery, attempts, error) =>
          repository.recordFailed(delivery, attempts, error, (manager) =>
            runner.park(manager, delivery.runId, `${delivery.kind} step ${String(delivery.payload['stepId'])} failed ${attempts === 1 ? 'once' : `${attempts} times`}: ${error}`, clock.nowIso()),
          ),
      },
      retry: { backoff: retry.deliveryBackoff, maxAttempts: retry.deliveryMaxAttempts },
      clock,
      logger,
      requestTimeoutMs,
      plan: (delivery): DeliveryPlan => {
        if (delivery.kind === 'email' && smtp) {
          // Every set this replica knows, newest first: the run's (id, version) is one definition across sets.
          const email = planEmail(delivery, playbooks.known().flatMap((set) => set.playbooks), emailSettings, csmAddress);
          if ('refused' in email) return { attempt: async () => ({ error: email.refused, permanent: true }) };
          return { attempt: (timeoutMs) => smtp.send(email.message, timeoutMs) };
        }
        const url = delivery.kind === 'webhook' ? delivery.target : env.EMAIL_WEBHOOK_URL;
        if (!url) return { skip: 'no email adapter configured (SMTP_URL or EMAIL_WEBHOOK_URL)' };
        return {
          send: {
            url,
            body: JSON.stringify({ deliveryId: delivery.id, kind: delivery.kind, ...delivery.payload }),
            headers: { 'content-type': 'application/json', 'bellwether-delivery-id': delivery.id },
            ...(env.PLAYBOOK_WEBHOOK_SECRET ? { signingSecret: env.PLAYBOOK_WEBHOOK_SECRET } : {}),
          },
        };
      },
      onResult: (delivery, result, outcome) => {
        deliveryMetrics.inc({ kind: delivery.kind, channel: channelOf(delivery), result });
        if (result !== 'failed') return;
        logger.warn({ deliveryId: delivery.id, runId: delivery.runId, kind: delivery.kind, channel: channelOf(delivery), attempts: outcome?.attempts, error: outcome?.kind === 'failed' ? outcome.error : undefined }, 'delivery failed; its run is parked');
        // The parked run's event is in the outbox: publish it now rather than on the relay's next tick.
        relay.nudge();
      },
    });
    if (env.SMTP_URL && env.EMAIL_WEBHOOK_URL) logger.info({ smtp: describeSmtpUrl(env.SMTP_URL) }, 'SMTP_URL and EMAIL_WEBHOOK_URL are both set: email steps go by SMTP');
  }

  /** Whether deliveries are being claimed and sent (after `onApplicationBootstrap`, once the directory and the playbook sets are read). */
  get delivering(): boolean {
    return this.started;
  }

  /**
   * Starts delivering once the directory (recipients) and the playbook sets this replica knows
   * (templates) are read: an email planned before would go to EMAIL_FALLBACK_TO instead of its
   * CSM, or, without a fallback or its set's template, be refused for good. Returns at once.
   */
  onApplicationBootstrap(): void {
    void Promise.all([this.directory.caughtUp, this.playbooks.caughtUp]).then(() => {
      if (this.stopped) return;
      this.worker.start();
      this.started = true;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.worker.stop();
    this.smtp?.close();
  }
}
