import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_LOGGER, type AppLogger, HealthRegistry, OutboxRelay, PipelineClock, PipelineTimerLoop, SERVICE_DATA_SOURCE } from '@bellwether/platform';
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
  private readonly loop: PipelineTimerLoop;

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
    env: PlaybookEnv,
    health: HealthRegistry,
    clock: PipelineClock,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    this.loop = new PipelineTimerLoop({
      name: 'wake-scheduler',
      intervalMs: env.WAKE_POLL_INTERVAL_MS,
      failureMessage: 'waking due playbook runs failed; will retry',
      clock,
      health,
      logger,
      pass: (now) => this.wakeDue(now),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async wakeDue(now: string): Promise<number> {
    const woken = await this.dataSource.transaction((manager) => this.runner.wakeDue(manager, now));
    if (woken > 0) this.relay.nudge();
    return woken;
  }
}
