import { Transactions } from '@bellwether/platform';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type AlertLifecycleEvent, type PlaybookRunEvent } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { AccountCache } from '../scores/account-cache';
import { Account360Repository } from './account-360.repository';

/**
 * Read models for the 360 view: the open alerts (from `bellwether.alerts.v1`) and the active
 * playbook runs (from `bellwether.playbook-runs.v1`) of each account. Scoring never reads the
 * other services' schemas; it listens to what they publish. Idempotent: revisions only move up.
 * Set-based: one transaction and one statement per batch per table.
 */
@Controller()
export class ReadModelsConsumer {
  constructor(
    private readonly transactions: Transactions,
    private readonly views: Account360Repository,
    private readonly cache: AccountCache,
  ) {}

  @EventPattern(Topics.alerts)
  async alerts(@Payload() batch: DecodedBatch<AlertLifecycleEvent>): Promise<BatchResults> {
    await this.transactions.run((manager) => this.views.projectAlerts(manager, batch.records.map((record) => record.value)));
    await this.cache.invalidate(batch.records.map((record) => record.value.accountId));
    return new Map();
  }

  @EventPattern(Topics.playbookRuns)
  async runs(@Payload() batch: DecodedBatch<PlaybookRunEvent>): Promise<BatchResults> {
    await this.transactions.run((manager) => this.views.projectRuns(manager, batch.records.map((record) => record.value)));
    await this.cache.invalidate(batch.records.map((record) => record.value.accountId));
    return new Map();
  }
}
