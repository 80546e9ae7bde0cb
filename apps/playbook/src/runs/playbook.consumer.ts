import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource, EntityManager } from 'typeorm';
import { newestInstant, Topics, type AlertLifecycleEvent, type IncidentLifecycleEvent, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { OutboxRelay, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { KpiReadModelRepository } from '../kpis/kpi-read-model.repository';
import { PlaybookRunner } from './playbook-runner.service';

/**
 * Alert lifecycle events start alert-triggered playbooks, incident lifecycle events
 * incident-triggered ones; score changes keep the account snapshot (for branches and exit
 * criteria) and start segment- and stage-triggered ones. One transaction per batch; message ids
 * already processed are skipped (one claim per batch), and so are later copies of an id within the
 * batch. Set-based: the KPI projections are one statement per batch, and `PlaybookRunner` reads a
 * batch's accounts at once, decides its records in memory in order and writes them back at once.
 */
@Controller()
export class PlaybookConsumer {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
    private readonly kpis: KpiReadModelRepository,
  ) {}

  /** Starts the playbooks of newly opened alerts and projects every alert step for the KPIs. */
  @EventPattern(Topics.alerts)
  async handleAlerts(@Payload() batch: DecodedBatch<AlertLifecycleEvent>): Promise<BatchResults> {
    const emitted = await this.dataSource.transaction(async (manager) => {
      const alerts = await this.claimed(manager, batch, (event) => `alert:${event.eventId}`, (event) => event.occurredAt);
      await this.kpis.projectAlerts(manager, alerts);
      // Only an opened alert starts runs; the other steps are projected and done.
      return this.runner.applyAlerts(manager, alerts);
    });
    if (emitted > 0) this.relay.nudge();
    return new Map();
  }

  /** Starts the playbooks of opened incidents and of incidents that rose in severity. */
  @EventPattern(Topics.incidents)
  async handleIncidents(@Payload() batch: DecodedBatch<IncidentLifecycleEvent>): Promise<BatchResults> {
    const emitted = await this.dataSource.transaction(async (manager) => {
      return this.runner.applyIncidents(manager, await this.claimed(manager, batch, (event) => `incident:${event.eventId}`, (event) => event.occurredAt));
    });
    if (emitted > 0) this.relay.nudge();
    return new Map();
  }

  /**
   * Revenue, NPS and onboarding events for the portfolio KPIs: one statement per batch, idempotent
   * on event ids (no claim needed). Its own consumer group (`PLAYBOOK_EVENTS_CONSUMER_GROUP`), so
   * the busiest topic never waits behind the runs, nor they behind it.
   */
  @EventPattern(Topics.events)
  async handleEvents(@Payload() batch: DecodedBatch<TelemetryEvent>): Promise<BatchResults> {
    await this.dataSource.transaction((manager) => this.kpis.projectEvents(manager, batch.records.map((record) => record.value)));
    return new Map();
  }

  /** Keeps the account snapshots, advances or exits live runs, and starts segment and stage playbooks. */
  @EventPattern(Topics.scores)
  async handleScores(@Payload() batch: DecodedBatch<ScoreChanged>): Promise<BatchResults> {
    const emitted = await this.dataSource.transaction(async (manager) => {
      return this.runner.applyScoreChanges(manager, await this.claimed(manager, batch, (change) => `score:${change.changeId}`, (change) => change.eventTime));
    });
    if (emitted > 0) this.relay.nudge();
    return new Map();
  }

  /**
   * Claims the batch's message ids (`messageId` of a record's value) and returns the values to
   * apply, in batch order: those whose id was never processed before, each id once, its first
   * record. A batch can hold copies of one message further apart (an outbox republish); the claim
   * answers with a set, so without this every copy of a fresh id would be applied, a later copy
   * advancing runs on its older snapshot, where one record per batch skips it. The claim also
   * records the batch's newest trigger time (`triggerTime`) for its topic partition: a playbook set
   * activated later applies after it (`PlaybooksService`).
   */
  private async claimed<T>(manager: EntityManager, batch: DecodedBatch<T>, messageId: (value: T) => string, triggerTime: (value: T) => string): Promise<T[]> {
    const fresh = await this.runner.claim(
      manager,
      batch.records.map((record) => messageId(record.value)),
      { topic: batch.topic, partition: batch.partition, eventTime: newestInstant(batch.records.map((record) => triggerTime(record.value))) },
    );
    const taken = new Set<string>();
    return batch.records.flatMap(({ value }) => {
      const id = messageId(value);
      if (!fresh.has(id) || taken.has(id)) return [];
      taken.add(id);
      return [value];
    });
  }
}
