import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import { Topics, type ClockTick } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { ScoringEnv } from '../scoring.env';
import { AccountStateRepository } from './account-state.repository';
import { DayRoller } from './day-roller';

/**
 * Wall-clock ticks are where idle partitions stand in live mode (`pipelineWatermark`), so silent
 * accounts lose health even when no events arrive. In event mode (replays) ticks are ignored:
 * only event time counts.
 */
@Controller()
export class ClockConsumer {
  private readonly repository = new AccountStateRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly roller: DayRoller,
    private readonly env: ScoringEnv,
  ) {}

  @EventPattern(Topics.clock)
  async handle(@Payload() batch: DecodedBatch<ClockTick>): Promise<BatchResults> {
    if (this.env.CLOCK_MODE !== 'wall') return new Map();
    const latest = batch.records.reduce((max, record) => (record.value.watermark > max ? record.value.watermark : max), '');
    const ceiling = new Date(Date.now() + 60_000).toISOString();
    if (latest) await this.dataSource.transaction((manager) => this.repository.advanceClockTick(manager, latest < ceiling ? latest : ceiling));
    this.roller.nudge();
    return new Map();
  }
}
