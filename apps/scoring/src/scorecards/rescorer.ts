import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, type ConfigVersion, ConfigVersionStore, HealthRegistry, IntervalWorker, loggableMessage, RequestRejected, Transactions } from '@bellwether/platform';
import { BEFORE_ANY_EVENT } from '@bellwether/contracts';
import { rescoreAccounts } from '@bellwether/scoring-domain';
import type { EntityManager } from 'typeorm';
import { ScoringEnv } from '../scoring.env';
import { AccountStateRepository } from '../scores/account-state.repository';
import { ScoreCommitter } from '../scores/score-committer.service';
import { WatermarkRepository } from '../scores/watermark.repository';
import { type Rescore, RescoreRepository } from './rescore.repository';
import { ScorecardSource } from './scorecard-activations';

const rescoreMetrics = {
  accounts: new Counter({ name: 'bellwether_scoring_rescored_accounts_total', help: 'Accounts re-scored by admin re-scores' }),
  changes: new Counter({ name: 'bellwether_scoring_score_changes_rescore_total', help: 'Score changes caused by admin re-scores' }),
};

/**
 * Re-scores of all accounts with the active scorecard (`POST /v1/admin/rescores`, issue 18 §1):
 * an explicit admin action that does not rewrite history, each account evaluated once more as of
 * the pipeline watermark when it was asked for (`rescoreAccounts`), its changes published as any
 * other with cause `rescore`. Run like the day-roll's close: DAY_ROLL_CHUNK accounts per
 * transaction in account id order, the progress stored with each chunk (a crash resumes there),
 * the request's row locked by the replica working on it. The request records the version active
 * in the database; each chunk checks it is still the active one (else the re-score ends early: it
 * would undo the newer activation) and waits until this replica has read its activation, so
 * every chunk uses that one scorecard.
 */
@Injectable()
export class Rescorer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: IntervalWorker;
  private lastError: string | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly rescores: RescoreRepository,
    private readonly accounts: AccountStateRepository,
    private readonly committer: ScoreCommitter,
    private readonly watermarks: WatermarkRepository,
    private readonly scorecards: ScorecardSource,
    private readonly audits: AdminAuditLog,
    private readonly versions: ConfigVersionStore,
    private readonly clock: Clock,
    private readonly env: ScoringEnv,
    private readonly health: HealthRegistry,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.loop = new IntervalWorker(this.env.DAY_ROLL_INTERVAL_MS, () => this.pass());
  }

  onApplicationBootstrap(): void {
    this.health.register('rescores', () => (this.lastError ? { ok: false, detail: this.lastError } : { ok: true }));
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Asks for a re-score of every account with the scorecard active now, as of the pipeline watermark; audited. */
  async request(actorKeyId: string): Promise<Rescore> {
    await this.scorecards.caughtUp;
    const requested = await this.transactions.run(async (manager) => {
      // The version active in the database, not this replica's view: an activation committed a
      // moment ago may not have reached this replica's reader yet.
      const active = await this.activeVersion(manager);
      if (active === null) throw new RequestRejected(409, [{ path: '', message: 'no scorecard is active yet' }]);
      const scorecardVersion = active.version;
      // As of the pipeline watermark, but never before the version's switch point: an account on a
      // partition behind it, re-scored with the new version at the watermark, would go back to the
      // old one at its next event (evaluated at that event's time). Before the first watermark and
      // activation, each account's own evaluation time (never the wall clock: in event mode that
      // would age every account to today).
      const watermark = (await this.watermarks.readWatermark(manager)).watermark ?? BEFORE_ANY_EVENT;
      const switchPoint = active.effectiveFrom ?? BEFORE_ANY_EVENT;
      const asOf = switchPoint > watermark ? switchPoint : watermark;
      const rescore = await this.rescores.create(manager, { scorecardVersion, asOf, requestedBy: actorKeyId, requestedAt: this.clock.nowIso() });
      await this.audits.record(manager, { actorKeyId, action: 'rescore.request', subject: `rescore:${rescore.id}`, before: null, after: rescore });
      return rescore;
    });
    this.loop.nudge();
    return requested;
  }

  async find(id: string): Promise<Rescore> {
    const found = /^[0-9]{1,18}$/.test(id) ? await this.rescores.find(id) : null;
    if (!found) throw new RequestRejected(404, [{ path: 'id', message: `no re-score ${id.slice(0, 100)}` }]);
    return found;
  }

  private async pass(): Promise<void> {
    try {
      await this.scorecards.caughtUp;
      while (this.loop.started && (await this.chunk()) > 0) {
        // chunk by chunk until no re-score is unfinished
      }
      this.lastError = null;
    } catch (error) {
      this.lastError = loggableMessage(error);
      this.logger.warn({ error: this.lastError }, 're-score failed; will retry');
    }
  }

  /** The scorecard version active in the database (checked on every chunk: the database, not a replica's reader, says what is active). */
  private async activeVersion(manager: EntityManager): Promise<ConfigVersion | null> {
    return (await this.versions.list('scorecard', manager)).find((version) => version.status === 'active') ?? null;
  }

  /** One chunk of the oldest unfinished re-score; returns how many accounts it did (0: nothing to do now). Exposed for tests. */
  async chunk(): Promise<number> {
    const outcome = await this.transactions.run(async (manager) => {
      const rescore = await this.rescores.lockNextUnfinished(manager);
      if (!rescore) return null;
      const active = (await this.activeVersion(manager))?.version ?? null;
      if (active !== rescore.scorecardVersion) {
        // Another version is active by now: applying the one asked for would undo it.
        await this.rescores.saveProgress(manager, rescore.id, { cursor: null, accounts: 0, changes: 0, finishedAt: this.clock.nowIso() });
        this.logger.warn({ rescore: rescore.id, asked: rescore.scorecardVersion, active }, 're-score ended early: another scorecard is active now');
        return { id: rescore.id, processed: 0, accountIds: [], changes: [], committed: null, finished: true };
      }
      const scorecard = this.scorecards.timeline().latest;
      // This replica has not read the activation yet: wait for it.
      if (scorecard.version !== rescore.scorecardVersion) return { id: rescore.id, processed: 0, accountIds: [], changes: [], committed: null, finished: false };
      const chunk = await this.accounts.lockAccountsAfter(manager, rescore.cursor, this.env.DAY_ROLL_CHUNK);
      // The rows were read for this chunk alone: re-scored in place, not deep-copied.
      const result = rescoreAccounts(chunk, rescore.asOf, scorecard, { consumesPrevious: true });
      const finished = chunk.size < this.env.DAY_ROLL_CHUNK;
      const committed = await this.committer.write(manager, result.accounts, result.changes, {});
      await this.rescores.saveProgress(manager, rescore.id, { cursor: [...chunk.keys()].pop() ?? null, accounts: chunk.size, changes: result.changes.length, finishedAt: finished ? this.clock.nowIso() : null });
      return { id: rescore.id, processed: chunk.size, accountIds: [...chunk.keys()], changes: result.changes, committed, finished };
    });
    if (!outcome) return 0;
    rescoreMetrics.accounts.inc(outcome.processed);
    rescoreMetrics.changes.inc(outcome.changes.length);
    // Every account of the chunk: its stored evaluation moved even without a published change.
    if (outcome.committed) await this.committer.afterCommit(outcome.accountIds, outcome.committed);
    if (outcome.finished) this.logger.info({ rescore: outcome.id }, 're-score complete');
    if (!outcome.finished && outcome.processed === 0) return 0;
    // A finished request may have another behind it: go on.
    return Math.max(outcome.processed, 1);
  }
}
