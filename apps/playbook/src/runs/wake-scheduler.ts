import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_LOGGER, type AppLogger, HealthRegistry, IntervalWorker, loggableMessage, OutboxRelay, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { PlaybookRunner } from './playbook-runner.service';

/**
 * Durable timers on Postgres: a waiting run stores its wake time; this loop advances the due ones
 * with FOR UPDATE SKIP LOCKED, so any number of replicas can run it and none takes a run twice.
 * A restart loses nothing: the timers are rows.
 */
@Injectable()
export class WakeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: IntervalWorker;
  private lastError: string | null = null;

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
    private readonly env: PlaybookEnv,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.loop = new IntervalWorker(this.env.WAKE_POLL_INTERVAL_MS, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.health.register('wake-scheduler', () => (this.lastError ? { ok: false, detail: this.lastError } : { ok: true }));
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async tick(): Promise<void> {
    try {
      const woken = await this.dataSource.transaction((manager) => this.runner.wakeDue(manager, new Date().toISOString()));
      this.lastError = null;
      if (woken > 0) this.relay.nudge();
    } catch (error) {
      this.lastError = loggableMessage(error);
      this.logger.warn({ error: this.lastError }, 'waking due playbook runs failed; will retry');
    }
  }
}
