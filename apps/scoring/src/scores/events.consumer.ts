import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { Topics, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import { RecordResults, type BatchResults, type ConsumedRecord, type DecodedBatch, type RecordResult } from '@bellwether/kafka';
import { enqueueOutbox, OutboxRelay, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { applyAccountEvents, type Scorecard, type StoredAccount } from '@bellwether/scoring-domain';
import { SCORING_SCHEMA } from '../migrations';
import { ScoringEnv } from '../scoring.env';
import { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';
import { scoreChangeMessages } from './score-change-messages';
import { SCORECARD } from './scorecard.provider';

const scoringMetrics = {
  applied: new Counter({ name: 'bellwether_scoring_events_applied_total', help: 'Events applied to account state' }),
  redelivered: new Counter({ name: 'bellwether_scoring_events_redelivered_total', help: 'Events skipped because their id was already applied' }),
  late: new Counter({ name: 'bellwether_scoring_events_late_total', help: 'Events in a day their account had already closed, re-scored as of their own time' }),
  beyondLateness: new Counter({ name: 'bellwether_scoring_events_beyond_lateness_total', help: 'Events more than ALLOWED_LATENESS_DAYS behind their account, recorded but not scored' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_total', help: 'Material score changes published', labelNames: ['band', 'cause'] as const }),
};

/** In live mode, one event's clock may not drag its partition's watermark further ahead than this. */
const MAX_WATERMARK_LEAD_MS = 5 * 60_000;

/**
 * Consumes `bellwether.events.v1` a partition batch at a time. In one Postgres transaction it
 * claims the event ids, applies each account's new events in partition order
 * (`applyAccountEvents`: the account closes its own days as its events cross them, and is
 * evaluated at points that depend on the events alone), writes each touched account once, appends
 * the score history, puts the score changes in the outbox and moves this partition's watermark.
 * The offset is committed after that transaction, so a crash anywhere redelivers a batch whose ids
 * are already claimed. Nothing here reads other partitions: the pipeline watermark (their
 * minimum) and the day closes of silent accounts belong to the DayRoller.
 */
@Controller()
export class EventsConsumer {
  private readonly repository = new AccountStateRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly cache: AccountCache,
    private readonly env: ScoringEnv,
    @Inject(SCORECARD) private readonly scorecard: Scorecard,
  ) {}

  @EventPattern(Topics.events)
  async handle(@Payload() batch: DecodedBatch<TelemetryEvent>): Promise<BatchResults> {
    const results = new Map<string, RecordResult>();
    const { changes, touched } = await this.dataSource.transaction(async (manager) => {
      const firstCopies: ConsumedRecord<TelemetryEvent>[] = [];
      const inBatch = new Set<string>();
      for (const record of batch.records) {
        // The same id twice in one batch is a redelivery too: only its first copy counts.
        if (inBatch.has(record.value.id)) {
          scoringMetrics.redelivered.inc();
          continue;
        }
        inBatch.add(record.value.id);
        firstCopies.push(record);
      }
      const fresh = await this.repository.claimEvents(manager, firstCopies.map((record) => record.value));
      const freshRecords = firstCopies.filter((record) => fresh.has(record.value.id));
      scoringMetrics.redelivered.inc(firstCopies.length - freshRecords.length);
      const byAccount = groupByAccount(freshRecords);
      const stored = await this.repository.lockAccounts(manager, [...byAccount.keys()]);
      const updated = new Map<string, StoredAccount>();
      const published: ScoreChanged[] = [];
      for (const [accountId, records] of byAccount) {
        const result = applyAccountEvents(accountId, stored.get(accountId) ?? null, records.map((record) => record.value), this.scorecard, {
          allowedLatenessDays: this.env.ALLOWED_LATENESS_DAYS,
          gracePeriodMs: this.env.GRACE_PERIOD_HOURS * 3_600_000,
        });
        updated.set(accountId, result.stored);
        published.push(...result.changes);
        scoringMetrics.late.inc(result.late);
        if (result.beyondLateness.length > 0) {
          const skipped = new Set(result.beyondLateness);
          for (const record of records) {
            if (!skipped.has(record.value.id)) continue;
            results.set(record.offset, RecordResults.drop(`event time ${record.value.timestamp} is more than ${this.env.ALLOWED_LATENESS_DAYS} days behind the account's newest event: outside every scoring window`));
          }
          scoringMetrics.beyondLateness.inc(skipped.size);
        }
      }
      await this.repository.saveAccounts(manager, updated);
      await this.repository.appendHistory(manager, published);
      await enqueueOutbox(manager, SCORING_SCHEMA, published.flatMap(scoreChangeMessages));
      // The partition's watermark is the newest event time read from it, redeliveries included:
      // a function of the partition's log alone.
      const newest = batch.records.reduce<string | null>((max, record) => {
        const time = new Date(Date.parse(record.value.timestamp)).toISOString();
        return max === null || time > max ? time : max;
      }, null);
      if (newest) await this.repository.advancePartitionWatermark(manager, batch.partition, this.boundedByWallClock(newest));
      scoringMetrics.applied.inc(freshRecords.length);
      // Every account of the batch, not only those with fresh events: a retry after the cache
      // invalidation failed (Redis down) finds its events already claimed and must drop them again.
      return { changes: published, touched: [...new Set(batch.records.map((record) => record.value.accountId))] };
    });
    await this.cache.invalidate(touched);
    for (const change of changes) scoringMetrics.changes.inc({ band: change.after.band, cause: change.cause.kind });
    if (changes.length > 0) this.relay.nudge();
    return results;
  }

  private boundedByWallClock(eventTime: string): string {
    if (this.env.CLOCK_MODE !== 'wall') return eventTime;
    const ceiling = new Date(Date.now() + MAX_WATERMARK_LEAD_MS).toISOString();
    return eventTime < ceiling ? eventTime : ceiling;
  }
}

/** Groups records by account, keeping each account's records in partition order. */
function groupByAccount(records: readonly ConsumedRecord<TelemetryEvent>[]): Map<string, ConsumedRecord<TelemetryEvent>[]> {
  const groups = new Map<string, ConsumedRecord<TelemetryEvent>[]>();
  for (const record of records) {
    const group = groups.get(record.value.accountId) ?? [];
    group.push(record);
    groups.set(record.value.accountId, group);
  }
  return groups;
}
