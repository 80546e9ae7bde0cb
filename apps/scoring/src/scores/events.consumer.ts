import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Counter, Histogram } from 'prom-client';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { RecordResults, type BatchResults, type DecodedBatch, type RecordResult } from '@bellwether/kafka';
import { Clock, Transactions } from '@bellwether/platform';
import { applyEventBatch, firstCopies, notAheadOf } from '@bellwether/scoring-domain';
import { ScoringEnv } from '../scoring.env';
import { AccountStateRepository } from './account-state.repository';
import { ScoreCommitter } from './score-committer.service';
import { ScorecardSource } from '../scorecards/scorecard-activations';

const scoringMetrics = {
  applied: new Counter({ name: 'bellwether_scoring_events_applied_total', help: 'Events applied to account state' }),
  redelivered: new Counter({ name: 'bellwether_scoring_events_redelivered_total', help: 'Events skipped because their id was already applied' }),
  late: new Counter({ name: 'bellwether_scoring_events_late_total', help: 'Events in a day their account had already closed, re-scored as of their own time' }),
  beyondLateness: new Counter({ name: 'bellwether_scoring_events_beyond_lateness_total', help: 'Events more than ALLOWED_LATENESS_DAYS behind their account, recorded but not scored' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_total', help: 'Material score changes published', labelNames: ['band', 'cause'] as const }),
  stage: new Histogram({
    name: 'bellwether_scoring_batch_stage_seconds',
    help: 'Wall time of each stage of an events batch: claim (the claim-and-lock statement), evaluate (in memory), write (the one write statement), commit, after_commit (cache invalidation and the publish)',
    labelNames: ['stage'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
};

/** Seconds since `startedAt` (a `performance.now()`), recorded as `stage`; returns now. */
function timed(stage: 'claim' | 'evaluate' | 'write' | 'commit' | 'after_commit', startedAt: number): number {
  const now = performance.now();
  scoringMetrics.stage.observe({ stage }, (now - startedAt) / 1000);
  return now;
}

/** In live mode, one event's clock may not drag its partition's watermark further ahead than this. */
const MAX_WATERMARK_LEAD_MS = 5 * 60_000;

/**
 * Consumes `bellwether.events.v1`, partitions concurrently (SCORING_PARTITIONS_CONCURRENTLY), a
 * partition batch of at most SCORING_MAX_EVENTS_PER_TRANSACTION events per call. Each call is one
 * Postgres transaction of two statements: one claims the event ids and reads the claimed
 * accounts, locked (`claimAndLock`); each account's new events are applied in memory in partition
 * order (`applyEventBatch`: redeliveries skipped, the account closes its own days as its events
 * cross them, late events re-scored, events beyond the allowed lateness dropped with a reason);
 * one writes the accounts, their score history, their outbox messages and this partition's
 * watermark (`ScoreCommitter.write`); then the commit, after which the changes are published at
 * once (`afterCommit`). The offset is committed after that, so a crash anywhere redelivers a
 * batch whose ids are already claimed. Nothing here reads other partitions: the
 * pipeline watermark (their minimum) and the day closes of silent accounts belong to the DayRoller.
 */
@Controller()
export class EventsConsumer {
  constructor(
    private readonly transactions: Transactions,
    private readonly accounts: AccountStateRepository,
    private readonly committer: ScoreCommitter,
    private readonly clock: Clock,
    private readonly env: ScoringEnv,
    private readonly scorecards: ScorecardSource,
  ) {}

  @EventPattern(Topics.events)
  async handle(@Payload() batch: DecodedBatch<TelemetryEvent>): Promise<BatchResults> {
    // Never scored with a scorecard the activation topic has already replaced.
    await this.scorecards.caughtUp;
    const scorecards = this.scorecards.timeline();
    const events = batch.records.map((record) => record.value);
    let at = performance.now();
    const { outcome, committed } = await this.transactions.run(async (manager) => {
      const { claimed, stored } = await this.accounts.claimAndLock(manager, firstCopies(events));
      at = timed('claim', at);
      const applied = applyEventBatch(events, claimed, stored, scorecards, {
        allowedLatenessDays: this.env.ALLOWED_LATENESS_DAYS,
        gracePeriodMs: this.env.GRACE_PERIOD_HOURS * 3_600_000,
        // The rows were read for this batch alone: evaluated in place, not deep-copied.
        consumesPrevious: true,
      });
      const partitionWatermark = applied.newestEventTime ? { partition: batch.partition, watermark: this.boundedByWallClock(applied.newestEventTime) } : undefined;
      // Accounts without a row when read: inserted only, never over a row a concurrent batch of
      // this partition (a rebalance) committed after the read's snapshot (see `ScoreWrite.created`).
      const created = new Set([...applied.accounts.keys()].filter((accountId) => !stored.has(accountId)));
      at = timed('evaluate', at);
      const rows = await this.committer.write(manager, applied.accounts, applied.changes, { ...(partitionWatermark ? { partitionWatermark } : {}), ...(created.size > 0 ? { created } : {}) });
      at = timed('write', at);
      return { outcome: applied, committed: rows };
    });
    at = timed('commit', at);
    // Every account of the batch, not only those with fresh events: a retry after the cache
    // invalidation failed (Redis down) finds its events already claimed and must drop them again.
    await this.committer.afterCommit(outcome.accountIds, committed);
    timed('after_commit', at);
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
