import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { RecordResults, type BatchResults, type DecodedBatch, type RecordResult } from '@bellwether/kafka';
import { Clock, Transactions } from '@bellwether/platform';
import { applyEventBatch, claimedAccountIds, firstCopies, notAheadOf, type Scorecard } from '@bellwether/scoring-domain';
import { ScoringEnv } from '../scoring.env';
import { AccountStateRepository } from './account-state.repository';
import { ScoreCommitter } from './score-committer.service';
import { SCORECARD } from './scorecard.provider';
import { WatermarkRepository } from './watermark.repository';

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
 * claims the event ids, applies each account's new events in partition order (`applyEventBatch`:
 * redeliveries skipped, the account closes its own days as its events cross them, late events
 * re-scored, events beyond the allowed lateness dropped with a reason), writes each touched
 * account once with its score history and outbox messages (`ScoreCommitter`) and moves this
 * partition's watermark. The offset is committed after that transaction, so a crash anywhere
 * redelivers a batch whose ids are already claimed. Nothing here reads other partitions: the
 * pipeline watermark (their minimum) and the day closes of silent accounts belong to the DayRoller.
 */
@Controller()
export class EventsConsumer {
  constructor(
    private readonly transactions: Transactions,
    private readonly accounts: AccountStateRepository,
    private readonly watermarks: WatermarkRepository,
    private readonly committer: ScoreCommitter,
    private readonly clock: Clock,
    private readonly env: ScoringEnv,
    @Inject(SCORECARD) private readonly scorecard: Scorecard,
  ) {}

  @EventPattern(Topics.events)
  async handle(@Payload() batch: DecodedBatch<TelemetryEvent>): Promise<BatchResults> {
    const events = batch.records.map((record) => record.value);
    const outcome = await this.transactions.run(async (manager) => {
      const claimed = await this.accounts.claimEvents(manager, firstCopies(events));
      const stored = await this.accounts.lockAccounts(manager, claimedAccountIds(events, claimed));
      const applied = applyEventBatch(events, claimed, stored, this.scorecard, {
        allowedLatenessDays: this.env.ALLOWED_LATENESS_DAYS,
        gracePeriodMs: this.env.GRACE_PERIOD_HOURS * 3_600_000,
      });
      await this.committer.write(manager, applied.accounts, applied.changes);
      if (applied.newestEventTime) await this.watermarks.advancePartitionWatermark(manager, batch.partition, this.boundedByWallClock(applied.newestEventTime));
      return applied;
    });
    // Every account of the batch, not only those with fresh events: a retry after the cache
    // invalidation failed (Redis down) finds its events already claimed and must drop them again.
    await this.committer.afterCommit(outcome.accountIds, outcome.changes.length > 0);
    scoringMetrics.applied.inc(outcome.fresh);
    scoringMetrics.redelivered.inc(outcome.redelivered);
    scoringMetrics.late.inc(outcome.late);
    scoringMetrics.beyondLateness.inc(outcome.dropped.length);
    for (const change of outcome.changes) scoringMetrics.changes.inc({ band: change.after.band, cause: change.cause.kind });
    const results = new Map<string, RecordResult>();
    for (const dropped of outcome.dropped) results.set(batch.records[dropped.index].offset, RecordResults.drop(dropped.reason));
    return results;
  }

  private boundedByWallClock(eventTime: string): string {
    return this.env.CLOCK_MODE === 'wall' ? notAheadOf(eventTime, this.clock.nowMs(), MAX_WATERMARK_LEAD_MS) : eventTime;
  }
}
