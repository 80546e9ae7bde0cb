import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { Topics, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { enqueueOutbox, OutboxRelay, SERVICE_DATA_SOURCE, type OutboxMessage } from '@bellwether/platform';
import { defaultScorecard, scoreAccountBatch, type StoredAccount } from '@bellwether/scoring-domain';
import { SCORING_SCHEMA } from '../migrations';
import { AccountStateRepository } from './account-state.repository';

const scoringMetrics = {
  applied: new Counter({ name: 'bellwether_scoring_events_applied_total', help: 'Events applied to account state' }),
  redelivered: new Counter({ name: 'bellwether_scoring_events_redelivered_total', help: 'Events skipped because their id was already applied' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_total', help: 'Material score changes published', labelNames: ['band'] as const }),
};

/**
 * Consumes `bellwether.events.v1` a partition batch at a time. In one Postgres transaction it
 * claims the event ids, applies the new events per account, writes each touched account once,
 * appends the score history and puts the score changes in the outbox. The offset is committed
 * after that transaction, so a crash anywhere redelivers a batch whose ids are already claimed.
 */
@Controller()
export class EventsConsumer {
  private readonly repository = new AccountStateRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  @EventPattern(Topics.events)
  async handle(@Payload() batch: DecodedBatch<TelemetryEvent>): Promise<BatchResults> {
    const events = batch.records.map((record) => record.value);
    const changes = await this.dataSource.transaction(async (manager) => {
      const fresh = await this.repository.claimEvents(manager, events);
      const freshEvents = events.filter((event) => fresh.has(event.id));
      scoringMetrics.redelivered.inc(events.length - freshEvents.length);
      const byAccount = groupByAccount(freshEvents);
      const stored = await this.repository.lockAccounts(manager, [...byAccount.keys()]);
      const updated = new Map<string, StoredAccount>();
      const published: ScoreChanged[] = [];
      for (const [accountId, accountEvents] of byAccount) {
        const result = scoreAccountBatch(accountId, stored.get(accountId) ?? null, accountEvents, defaultScorecard);
        updated.set(accountId, result.stored);
        if (result.change) published.push(result.change);
      }
      await this.repository.saveAccounts(manager, updated);
      await this.repository.appendHistory(manager, published);
      await enqueueOutbox(manager, SCORING_SCHEMA, published.flatMap(toOutboxMessages));
      scoringMetrics.applied.inc(freshEvents.length);
      return published;
    });
    for (const change of changes) scoringMetrics.changes.inc({ band: change.after.band });
    if (changes.length > 0) this.relay.nudge();
    return new Map();
  }
}

function groupByAccount(events: readonly TelemetryEvent[]): Map<string, TelemetryEvent[]> {
  const groups = new Map<string, TelemetryEvent[]>();
  for (const event of events) {
    const group = groups.get(event.accountId) ?? [];
    group.push(event);
    groups.set(event.accountId, group);
  }
  return groups;
}

/** A score change goes to the scores topic and, as the latest state, to the compacted topic. */
function toOutboxMessages(change: ScoreChanged): OutboxMessage[] {
  const headers = { 'bw-change-id': change.changeId };
  return [
    { topic: Topics.scores, key: change.accountId, payload: change, headers },
    {
      topic: Topics.accountState,
      key: change.accountId,
      payload: { schemaVersion: 1, accountId: change.accountId, sequence: change.sequence, eventTime: change.eventTime, scores: change.after, drivers: change.drivers, reasons: change.reasons },
      headers,
    },
  ];
}
