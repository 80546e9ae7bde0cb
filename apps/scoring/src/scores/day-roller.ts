import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Topics, type PipelineWatermark, type ScoreChanged } from '@bellwether/contracts';
import { KafkaConnection } from '@bellwether/kafka';
import { APP_LOGGER, type AppLogger, type CommittedOutboxRows, HealthRegistry, IntervalWorker, loggableMessage, type OutboxMessage, Transactions } from '@bellwether/platform';
import { closableBoundary, closeAccountsDays, dayRollTarget, pipelineWatermark } from '@bellwether/scoring-domain';
import { SCORING_CONSUMER_GROUP } from '../scoring.consumer-group';
import { ScoringEnv } from '../scoring.env';
import { AccountStateRepository } from './account-state.repository';
import { ScoreCommitter } from './score-committer.service';
import { ScorecardSource } from '../scorecards/scorecard-activations';
import { WatermarkRepository } from './watermark.repository';

const rollMetrics = {
  accounts: new Counter({ name: 'bellwether_scoring_day_roll_accounts_total', help: 'Accounts whose days were closed by day-rolls' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_watermark_total', help: 'Score changes caused by the watermark closing a day' }),
  days: new Counter({ name: 'bellwether_scoring_day_rolls_total', help: 'Completed day-rolls' }),
  watermark: new Gauge({ name: 'bellwether_scoring_pipeline_watermark_seconds', help: 'The pipeline watermark (minimum over the events partitions), Unix seconds' }),
  closedThrough: new Gauge({ name: 'bellwether_scoring_closed_through_seconds', help: 'The day boundary every account is closed through, Unix seconds' }),
};

/**
 * The pipeline clock of scoring. Each pass:
 * 1. computes the pipeline watermark, the minimum over the events topic's partitions with the idle
 *    rule (`pipelineWatermark`), from each partition's newest event time (Postgres), the consumer
 *    group's committed offsets and the log ends (Kafka), in that order; stores it (forward only)
 *    and publishes it on `bellwether.watermarks.v1` for alerting's and playbook's timers;
 * 2. closes the days that ended two grace periods (GRACE_PERIOD_HOURS) before the watermark, for
 *    every account whose own events have not closed them yet (`closeAccountDays`: each day
 *    evaluated as of its end, in order), in chunks of DAY_ROLL_CHUNK accounts per transaction.
 * Progress (target boundary, cursor) is stored with each chunk, so a crash resumes where it
 * stopped, and a transaction-scoped advisory lock keeps replicas from rolling twice.
 */
@Injectable()
export class DayRoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: IntervalWorker;
  private lastError: string | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly watermarks: WatermarkRepository,
    private readonly accounts: AccountStateRepository,
    private readonly committer: ScoreCommitter,
    private readonly kafka: KafkaConnection,
    private readonly env: ScoringEnv,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    private readonly scorecards: ScorecardSource,
  ) {
    this.loop = new IntervalWorker(this.env.DAY_ROLL_INTERVAL_MS, () => this.pass());
  }

  onApplicationBootstrap(): void {
    this.health.register('day-roll', () => (this.lastError ? { ok: false, detail: this.lastError } : { ok: true }));
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** A pass now (no-op while one is under way). */
  nudge(): void {
    this.loop.nudge();
  }

  private async pass(): Promise<void> {
    try {
      // Days are closed with the scorecards in force then: not before the activations are read.
      await this.scorecards.caughtUp;
      await this.advanceWatermark();
      while (this.loop.started && (await this.rollChunk()) > 0) {
        // keep going chunk by chunk until every closable day is closed
      }
      this.lastError = null;
    } catch (error) {
      this.lastError = loggableMessage(error);
      this.logger.warn({ error: this.lastError }, 'day-roll failed; will retry');
    }
  }

  /** Recomputes the pipeline watermark; returns it when it moved forward. Exposed for tests. */
  async advanceWatermark(): Promise<string | null> {
    // Order matters (see pipelineWatermark): event times, then committed offsets, then log ends.
    const [partitionTimes, stored] = await this.transactions.run(async (manager) => [await this.watermarks.partitionWatermarks(manager), await this.watermarks.readWatermark(manager)] as const);
    const positions = await this.kafka.consumerPositions(SCORING_CONSUMER_GROUP, Topics.events);
    const computed = pipelineWatermark(
      positions.map((position) => ({ ...position, watermark: partitionTimes.get(position.partition) ?? null })),
      this.env.CLOCK_MODE,
      stored.clockTick,
    );
    if (computed === null) return null;
    const { moved, committed } = await this.transactions.run(async (manager) => {
      const advanced = await this.watermarks.advanceWatermark(manager, computed);
      const rows = advanced ? await this.committer.write(manager, new Map(), [], { alsoEnqueue: [watermarkMessage(advanced, stored.rolledThrough)] }) : null;
      return { moved: advanced, committed: rows };
    });
    if (moved) rollMetrics.watermark.set(Date.parse(moved) / 1000);
    if (committed) await this.committer.afterCommit([], committed);
    return moved;
  }

  /** One chunk of the current roll; returns how many accounts it closed. Exposed for tests. */
  async rollChunk(): Promise<number> {
    const { processed, changes, finished, committed } = await this.transactions.run(async (manager) => {
      const idle = { processed: 0, changes: [] as readonly ScoreChanged[], finished: null as string | null, committed: { ids: [], messages: [] } as CommittedOutboxRows };
      if (!(await this.watermarks.tryLockDayRoll(manager))) return idle;
      // No row lock on the watermark row: accounts are locked first, and the consumer never
      // touches that row. The advisory lock keeps rollers single.
      const progress = await this.watermarks.readWatermark(manager);
      // Two grace periods: one for the data still in flight on the partitions, one more for the
      // account's own events still in flight (an account closes a day by itself a grace period
      // after it), so the roller and the account close a day on the very same events.
      const latest = closableBoundary(progress.watermark, 2 * this.env.GRACE_PERIOD_HOURS * 3_600_000);
      const target = dayRollTarget(progress, latest);
      if (target === null) return idle;
      const chunk = await this.accounts.lockAccountsToClose(manager, progress.rollCursor, target, this.env.DAY_ROLL_CHUNK);
      // The rows were read for this chunk alone: closed in place, not deep-copied.
      const closed = closeAccountsDays(chunk, target, this.scorecards.timeline(), { consumesPrevious: true });
      const done = chunk.size < this.env.DAY_ROLL_CHUNK;
      const lastId = [...chunk.keys()].pop() ?? null;
      // Progress first: its UPDATE takes the watermark row's lock (held to the commit), as
      // `advanceWatermark` does before it enqueues. So the two writers' `pipeline` messages get
      // outbox ids in commit order, and this one carries the watermark as it stands under the lock,
      // not as read at the chunk's start: the compacted topic never ends on an older watermark.
      await this.watermarks.saveRollProgress(manager, done ? { rollTarget: null, rollCursor: null, rolledThrough: target } : { rollTarget: target, rollCursor: lastId });
      const watermark = done && progress.watermark ? ((await this.watermarks.readWatermark(manager)).watermark ?? progress.watermark) : null;
      const rows = await this.committer.write(manager, closed.accounts, closed.changes, watermark ? { alsoEnqueue: [watermarkMessage(watermark, target)] } : {});
      // A finished roll goes on at once when a later boundary is closable already.
      const more = done && latest !== null && target < latest;
      return { processed: more ? Math.max(chunk.size, 1) : chunk.size, changes: closed.changes, finished: done ? target : null, committed: rows };
    });
    rollMetrics.accounts.inc(processed);
    rollMetrics.changes.inc(changes.length);
    if (finished) {
      rollMetrics.days.inc();
      rollMetrics.closedThrough.set(Date.parse(finished) / 1000);
      this.logger.info({ closedThrough: finished }, 'day-roll complete');
    }
    await this.committer.afterCommit(new Set(changes.map((change) => change.accountId)), committed);
    return processed;
  }
}

/** The pipeline watermark and the boundary every account is closed through, for `bellwether.watermarks.v1`. */
function watermarkMessage(watermark: string, closedThrough: string | null): OutboxMessage {
  const payload: PipelineWatermark = { schemaVersion: 1, watermark, closedThrough };
  return { topic: Topics.watermarks, key: 'pipeline', payload };
}
