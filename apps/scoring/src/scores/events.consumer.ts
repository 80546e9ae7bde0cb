import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { Topics, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { RecordResults, type BatchResults, type DecodedBatch, type RecordResult } from '@bellwether/kafka';
import { enqueueOutbox, OutboxRelay, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { scoreAccountBatch, type Scorecard, type StoredAccount } from '@bellwether/scoring-domain';
import { SCORING_SCHEMA } from '../migrations';
import { ScoringEnv } from '../scoring.env';
import { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';
import { DayRoller } from './day-roller';
import { scoreChangeMessages } from './score-change-messages';
import { SCORECARD } from './scorecard.provider';

const scoringMetrics = {
  applied: new Counter({ name: 'bellwether_scoring_events_applied_total', help: 'Events applied to account state' }),
  redelivered: new Counter({ name: 'bellwether_scoring_events_redelivered_total', help: 'Events skipped because their id was already applied' }),
  late: new Counter({ name: 'bellwether_scoring_events_too_late_total', help: 'Events dead-lettered for arriving after the allowed lateness' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_total', help: 'Material score changes published', labelNames: ['band', 'cause'] as const }),
};

const DAY_MS = 86_400_000;
const attributeEventTypes: ReadonlySet<string> = new Set(['subscription.changed', 'account.updated']);

function startOfDay(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / DAY_MS) * DAY_MS).toISOString();
}
/** In live mode, one event's clock may not drag the watermark further ahead than this. */
const MAX_WATERMARK_LEAD_MS = 5 * 60_000;

/**
 * Consumes `bellwether.events.v1` a partition batch at a time. In one Postgres transaction it
 * claims the event ids, applies the new events per account, writes each touched account once,
 * appends the score history, puts the score changes in the outbox and moves the watermark. The
 * offset is committed after that transaction, so a crash anywhere redelivers a batch whose ids
 * are already claimed. Events older than their partition's watermark minus the allowed lateness go
 * to the DLQ; the global watermark (the newest event time of any partition, or a clock tick) drives
 * the day-rolls.
 */
@Controller()
export class EventsConsumer {
  private readonly repository = new AccountStateRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly cache: AccountCache,
    private readonly roller: DayRoller,
    private readonly env: ScoringEnv,
    @Inject(SCORECARD) private readonly scorecard: Scorecard,
  ) {}

  @EventPattern(Topics.events)
  async handle(@Payload() batch: DecodedBatch<TelemetryEvent>): Promise<BatchResults> {
    const results = new Map<string, RecordResult>();
    const { changes, touched } = await this.dataSource.transaction(async (manager) => {
      // Lateness against this partition's own watermark: deterministic in every replay.
      const watermark = await this.repository.partitionWatermark(manager, batch.partition);
      const cutoff = watermark ? new Date(Date.parse(watermark) - this.env.ALLOWED_LATENESS_DAYS * DAY_MS).toISOString() : null;
      const onTime: TelemetryEvent[] = [];
      const inBatch = new Set<string>();
      for (const record of batch.records) {
        // The same id twice in one batch is a redelivery too: only its first copy counts.
        if (inBatch.has(record.value.id)) {
          scoringMetrics.redelivered.inc();
          continue;
        }
        inBatch.add(record.value.id);
        // Attribute events (plan, seats, owner…) set state rather than fill windows: never late.
        if (cutoff && record.value.timestamp < cutoff && !attributeEventTypes.has(record.value.type)) {
          results.set(record.offset, RecordResults.dlq(`event time ${record.value.timestamp} is more than ${this.env.ALLOWED_LATENESS_DAYS} days behind the watermark ${watermark}`, 'lateness'));
          scoringMetrics.late.inc();
        } else {
          onTime.push(record.value);
        }
      }
      const global = await this.repository.readWatermark(manager);
      const watermarkDay = global.watermark ? startOfDay(global.watermark) : null;
      const fresh = await this.repository.claimEvents(manager, onTime);
      const freshEvents = onTime.filter((event) => fresh.has(event.id));
      scoringMetrics.redelivered.inc(onTime.length - freshEvents.length);
      const byAccount = groupByAccount(freshEvents);
      const stored = await this.repository.lockAccounts(manager, [...byAccount.keys()]);
      const updated = new Map<string, StoredAccount>();
      const published: ScoreChanged[] = [];
      for (const [accountId, accountEvents] of byAccount) {
        const result = scoreAccountBatch(accountId, stored.get(accountId) ?? null, accountEvents, this.scorecard, watermarkDay);
        updated.set(accountId, result.stored);
        if (result.change) published.push(result.change);
      }
      await this.repository.saveAccounts(manager, updated);
      await this.repository.appendHistory(manager, published);
      await enqueueOutbox(manager, SCORING_SCHEMA, published.flatMap(scoreChangeMessages));
      const newest = freshEvents.reduce<string | null>((max, event) => (max === null || event.timestamp > max ? event.timestamp : max), null);
      if (newest) {
        const bounded = this.boundedByWallClock(newest);
        await this.repository.advancePartitionWatermark(manager, batch.partition, bounded);
        await this.repository.advanceWatermark(manager, bounded);
      }
      scoringMetrics.applied.inc(freshEvents.length);
      // Every account of the batch, not only those with fresh events: a retry after the cache
      // invalidation failed (Redis down) finds its events already claimed and must drop them again.
      return { changes: published, touched: [...new Set(batch.records.map((record) => record.value.accountId))] };
    });
    await this.cache.invalidate(touched);
    for (const change of changes) scoringMetrics.changes.inc({ band: change.after.band, cause: 'event' });
    if (changes.length > 0) this.relay.nudge();
    this.roller.nudge();
    return results;
  }

  private boundedByWallClock(eventTime: string): string {
    if (this.env.CLOCK_MODE !== 'wall') return eventTime;
    const ceiling = new Date(Date.now() + MAX_WATERMARK_LEAD_MS).toISOString();
    return eventTime < ceiling ? eventTime : ceiling;
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
