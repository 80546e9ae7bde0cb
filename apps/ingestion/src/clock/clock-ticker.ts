import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Topics, type ClockTick } from '@bellwether/contracts';
import { MessageProducer } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, Clock } from '@bellwether/platform';
import { IngestionEnv } from '../ingestion.env';

/**
 * In live mode (CLOCK_MODE=wall) the wall clock is a watermark source: a tick on
 * `bellwether.clock.v1` every CLOCK_TICK_SECONDS lets scoring roll days over for silent accounts.
 * In event mode (replays, simulations) only event time moves the watermark, so nothing ticks.
 * Several replicas may tick; consumers take the maximum, so duplicates are harmless. The
 * watermark is the injected clock's time.
 */
@Injectable()
export class ClockTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly producer: MessageProducer,
    private readonly env: IngestionEnv,
    private readonly clock: Clock,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.CLOCK_MODE !== 'wall') return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.env.CLOCK_TICK_SECONDS * 1000);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const tick: ClockTick = { schemaVersion: 1, watermark: this.clock.nowIso() };
    try {
      await this.producer.send(Topics.clock, [{ key: 'clock', value: tick }]);
    } catch (error) {
      this.logger.warn({ err: error }, 'clock tick not published; the next one will carry the watermark');
    }
  }
}
