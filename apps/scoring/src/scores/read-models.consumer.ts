import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import { Topics, type AlertLifecycleEvent, type PlaybookRunEvent } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';

/**
 * Read models for the 360 view: the open alerts (from `bellwether.alerts.v1`) and the active
 * playbook runs (from `bellwether.playbook-runs.v1`) of each account. Scoring never reads the
 * other services' schemas; it listens to what they publish. Idempotent: revisions only move up.
 */
@Controller()
export class ReadModelsConsumer {
  private readonly repository = new AccountStateRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cache: AccountCache,
  ) {}

  @EventPattern(Topics.alerts)
  async alerts(@Payload() batch: DecodedBatch<AlertLifecycleEvent>): Promise<BatchResults> {
    await this.dataSource.transaction(async (manager) => {
      for (const record of batch.records) await this.repository.projectAlert(manager, record.value);
    });
    await this.cache.invalidate(batch.records.map((record) => record.value.accountId));
    return new Map();
  }

  @EventPattern(Topics.playbookRuns)
  async runs(@Payload() batch: DecodedBatch<PlaybookRunEvent>): Promise<BatchResults> {
    await this.dataSource.transaction(async (manager) => {
      for (const record of batch.records) await this.repository.projectRun(manager, record.value);
    });
    await this.cache.invalidate(batch.records.map((record) => record.value.accountId));
    return new Map();
  }
}
