import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type ClockTick } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { Clock, Transactions } from '@bellwether/platform';
import { notAheadOf } from '@bellwether/scoring-domain';
import { ScoringEnv } from '../scoring.env';
import { DayRoller } from './day-roller';
import { WatermarkRepository } from './watermark.repository';

/** A tick may not stand further ahead of this process' wall clock than this (another host's clock may run fast). */
const MAX_TICK_LEAD_MS = 60_000;

/**
 * Wall-clock ticks are where idle partitions stand in live mode (`pipelineWatermark`), so silent
 * accounts lose health even when no events arrive. In event mode (replays) ticks are ignored:
 * only event time counts.
 */
@Controller()
export class ClockConsumer {
  constructor(
    private readonly transactions: Transactions,
    private readonly watermarks: WatermarkRepository,
    private readonly roller: DayRoller,
    private readonly clock: Clock,
    private readonly env: ScoringEnv,
  ) {}

  @EventPattern(Topics.clock)
  async handle(@Payload() batch: DecodedBatch<ClockTick>): Promise<BatchResults> {
    if (this.env.CLOCK_MODE !== 'wall') return new Map();
    const latest = batch.records.reduce((max, record) => (record.value.watermark > max ? record.value.watermark : max), '');
    if (latest) {
      const tick = notAheadOf(latest, this.clock.nowMs(), MAX_TICK_LEAD_MS);
      await this.transactions.run((manager) => this.watermarks.advanceClockTick(manager, tick));
    }
    this.roller.nudge();
    return new Map();
  }
}
