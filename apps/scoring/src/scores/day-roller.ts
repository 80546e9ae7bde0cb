import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import type { ScoreChanged } from '@bellwether/contracts';
import { APP_LOGGER, type AppLogger, enqueueOutbox, HealthRegistry, IntervalWorker, loggableMessage, OutboxRelay, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { rescoreAccount, type Scorecard, type StoredAccount } from '@bellwether/scoring-domain';
import { SCORING_SCHEMA } from '../migrations';
import { ScoringEnv } from '../scoring.env';
import { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';
import { scoreChangeMessages } from './score-change-messages';
import { SCORECARD } from './scorecard.provider';

const rollMetrics = {
  accounts: new Counter({ name: 'bellwether_scoring_day_roll_accounts_total', help: 'Accounts re-scored by day-rolls' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_watermark_total', help: 'Score changes caused by the watermark passing a day' }),
  days: new Counter({ name: 'bellwether_scoring_day_rolls_total', help: 'Completed day-rolls' }),
};

const DAY_MS = 86_400_000;

function startOfDay(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / DAY_MS) * DAY_MS).toISOString();
}

/**
 * When the watermark passes a day boundary, every account is re-scored as of that boundary, in
 * chunks of DAY_ROLL_CHUNK accounts per transaction. Progress (target day, cursor) is stored with
 * each chunk, so a crash resumes where it stopped, and a transaction-scoped advisory lock keeps
 * replicas from rolling twice. Several days passed at once roll once, to the latest day.
 */
@Injectable()
export class DayRoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly repository = new AccountStateRepository();
  private readonly loop: IntervalWorker;
  private lastError: string | null = null;

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly cache: AccountCache,
    private readonly env: ScoringEnv,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    @Inject(SCORECARD) private readonly scorecard: Scorecard,
  ) {
    this.loop = new IntervalWorker(this.env.DAY_ROLL_INTERVAL_MS, () => this.rollAll());
  }

  onApplicationBootstrap(): void {
    this.health.register('day-roll', () => (this.lastError ? { ok: false, detail: this.lastError } : { ok: true }));
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Roll now if a day boundary was passed (no-op while a roll is under way). */
  nudge(): void {
    this.loop.nudge();
  }

  private async rollAll(): Promise<void> {
    try {
      while (this.loop.started && (await this.rollChunk()) > 0) {
        // keep going chunk by chunk until the roll is complete
      }
      this.lastError = null;
    } catch (error) {
      this.lastError = loggableMessage(error);
      this.logger.warn({ error: this.lastError }, 'day-roll failed; will retry');
    }
  }

  /** One chunk of the current roll; returns how many accounts it re-scored. Exposed for tests. */
  async rollChunk(): Promise<number> {
    const { processed, changes } = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', ['bellwether-scoring-day-roll'])) as { locked: boolean }[];
      if (!locked) return { processed: 0, changes: [] as ScoreChanged[] };
      // No row lock here: accounts are locked first and the watermark row last, in the consumer too,
      // so the two never wait on each other in opposite order. The advisory lock keeps rollers single.
      const progress = await this.repository.readWatermark(manager);
      if (!progress.watermark) return { processed: 0, changes: [] };
      const latestDay = startOfDay(progress.watermark);
      let target = progress.rollTarget;
      if (!target) {
        if (progress.rolledThrough && progress.rolledThrough >= latestDay) return { processed: 0, changes: [] };
        target = latestDay;
      }
      const chunk = await this.repository.lockAccountsAfter(manager, progress.rollCursor, this.env.DAY_ROLL_CHUNK);
      const updated = new Map<string, StoredAccount>();
      const published: ScoreChanged[] = [];
      for (const [accountId, stored] of chunk) {
        const result = rescoreAccount(accountId, stored, target, this.scorecard);
        if (result.stored !== stored) updated.set(accountId, result.stored);
        if (result.change) published.push(result.change);
      }
      await this.repository.saveAccounts(manager, updated);
      await this.repository.appendHistory(manager, published);
      await enqueueOutbox(manager, SCORING_SCHEMA, published.flatMap(scoreChangeMessages));
      const lastId = [...chunk.keys()].pop() ?? null;
      const done = chunk.size < this.env.DAY_ROLL_CHUNK;
      await this.repository.saveRollProgress(manager, done ? { rollTarget: null, rollCursor: null, rolledThrough: target } : { rollTarget: target, rollCursor: lastId });
      if (done) {
        rollMetrics.days.inc();
        this.logger.info({ day: target, lastChunk: chunk.size }, 'day-roll complete');
      }
      // A finished roll with a later day already passed starts over at once.
      return { processed: done && progress.rolledThrough !== null && target < latestDay ? Math.max(chunk.size, 1) : chunk.size, changes: published };
    });
    rollMetrics.accounts.inc(processed);
    rollMetrics.changes.inc(changes.length);
    if (changes.length > 0) {
      await this.cache.invalidate(changes.map((change) => change.accountId));
      this.relay.nudge();
    }
    return processed;
  }
}
