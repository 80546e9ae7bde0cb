import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_LOGGER, type AppLogger, HealthRegistry, IntervalWorker, loggableMessage, OutboxRelay, PipelineClock, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { PlaybookEnv } from '../playbook.env';
import { PlaybookRunner } from './playbook-runner.service';

/**
 * Durable timers on Postgres: a waiting run stores its wake time (event time: the trigger's time
 * plus the wait); this loop advances the runs due at the pipeline clock's now (`PipelineClock`:
 * the wall clock live, scoring's watermark in event mode, so a replay keeps a 14-day wait 14
 * event-days long). Before the first watermark of an event-mode run nothing is due. Each advance
 * of the watermark runs a pass at once; the interval is the floor. FOR UPDATE SKIP LOCKED lets
 * any number of replicas run it without taking a run twice. A restart loses nothing: the timers
 * are rows.
 */
@Injectable()
export class WakeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: IntervalWorker;
  private lastError: string | null = null;
  /** The pipeline time of the last completed pass; null before the first (readiness shows it). */
  private lastPassAt: string | null = null;
  private stopFollowingClock: () => void = () => undefined;

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
    private readonly env: PlaybookEnv,
    private readonly health: HealthRegistry,
    private readonly clock: PipelineClock,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.loop = new IntervalWorker(this.env.WAKE_POLL_INTERVAL_MS, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.health.register('wake-scheduler', () =>
      this.lastError ? { ok: false, detail: this.lastError } : { ok: true, detail: this.lastPassAt ? `last pass at pipeline time ${this.lastPassAt}` : 'waiting for the pipeline clock' },
    );
    this.stopFollowingClock = this.clock.onAdvance(() => this.loop.nudge());
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopFollowingClock();
    await this.loop.stop();
  }

  private async tick(): Promise<void> {
    const now = this.clock.now();
    if (now === null) return;
    try {
      const woken = await this.dataSource.transaction((manager) => this.runner.wakeDue(manager, now));
      this.lastError = null;
      this.lastPassAt = now;
      if (woken > 0) this.relay.nudge();
    } catch (error) {
      this.lastError = loggableMessage(error);
      this.logger.warn({ error: this.lastError }, 'waking due playbook runs failed; will retry');
    }
  }
}
