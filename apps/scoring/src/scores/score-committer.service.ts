import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ScoreChanged } from '@bellwether/contracts';
import { Outbox, type OutboxMessage, OutboxRelay } from '@bellwether/platform';
import type { StoredAccount } from '@bellwether/scoring-domain';
import { Account360Repository } from '../accounts/account-360.repository';
import { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';
import { scoreChangeMessages } from './score-change-messages';

/**
 * The one way re-scored accounts are stored and announced, for the events consumer and the
 * day-roller alike: in the caller's transaction the accounts are saved, the changes appended to
 * the score history and put in the outbox (`write`); after that transaction committed the
 * accounts' cached 360 views are dropped and the relay nudged (`afterCommit`).
 */
@Injectable()
export class ScoreCommitter {
  constructor(
    private readonly accounts: AccountStateRepository,
    private readonly history: Account360Repository,
    private readonly outbox: Outbox,
    private readonly cache: AccountCache,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Saves `accounts`, appends `changes` (in order) to the score history and enqueues their
   * messages (`scoreChangeMessages`) followed by `alsoEnqueue`, all inside `manager`'s transaction.
   */
  async write(manager: EntityManager, accounts: ReadonlyMap<string, StoredAccount>, changes: readonly ScoreChanged[], alsoEnqueue: readonly OutboxMessage[] = []): Promise<void> {
    await this.accounts.saveAccounts(manager, accounts);
    await this.history.appendHistory(manager, changes);
    await this.outbox.enqueue(manager, [...changes.flatMap(scoreChangeMessages), ...alsoEnqueue]);
  }

  /**
   * Once the transaction of `write` committed: drops the cached views of `accountIds` (a Redis
   * outage is ignored, the views expire) and, when `enqueued`, nudges the relay to publish now.
   */
  async afterCommit(accountIds: Iterable<string>, enqueued: boolean): Promise<void> {
    await this.cache.invalidate(accountIds);
    if (enqueued) this.relay.nudge();
  }
}
