import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ScoreChanged } from '@bellwether/contracts';
import { type CommittedOutboxRows, type OutboxMessage, OutboxRelay } from '@bellwether/platform';
import type { StoredAccount } from '@bellwether/scoring-domain';
import { AccountCache } from './account-cache';
import { AccountStateRepository } from './account-state.repository';
import { scoreChangeMessages } from './score-change-messages';

/** What `ScoreCommitter.write` writes besides the accounts and their changes. */
export interface ScoreWriteExtras {
  /** Messages enqueued after the changes' messages. */
  readonly alsoEnqueue?: readonly OutboxMessage[];
  /** An events partition's newest event time, moved forward only (events batches). */
  readonly partitionWatermark?: { readonly partition: number; readonly watermark: string };
  /** The accounts that had no row when the batch read them (see `ScoreWrite.created`). */
  readonly created?: ReadonlySet<string>;
}

/**
 * The one way re-scored accounts are stored and announced, for the events consumer and the
 * day-roller alike: in the caller's transaction, one statement saves the accounts, appends the
 * changes to the score history, puts their messages in the outbox and moves the partition's
 * watermark (`write`); after that transaction committed the accounts' cached 360 views are
 * dropped and the messages published at once (`afterCommit`), the relay sweeping any a failed
 * send left behind.
 *
 * Order on `bellwether.scores.v1`: an account's changes are published in sequence order. Its
 * outbox rows get ascending ids in sequence order (its row lock serializes its writers), and
 * `OutboxRelay.publishCommitted` and the relay's sweep both send a key's unpublished rows in id
 * order, older ones first, under row locks (see `OutboxRelay`). A redelivery may repeat a change
 * (at least once), never reorder it.
 */
@Injectable()
export class ScoreCommitter {
  constructor(
    private readonly accounts: AccountStateRepository,
    private readonly cache: AccountCache,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Saves `accounts`, appends `changes` (in order) to the score history, enqueues their messages
   * (`scoreChangeMessages`) followed by `extras.alsoEnqueue` and moves `extras.partitionWatermark`,
   * in one statement inside `manager`'s transaction. Returns the outbox rows for `afterCommit`.
   */
  async write(manager: EntityManager, accounts: ReadonlyMap<string, StoredAccount>, changes: readonly ScoreChanged[], extras: ScoreWriteExtras = {}): Promise<CommittedOutboxRows> {
    const messages = [...changes.flatMap(scoreChangeMessages), ...(extras.alsoEnqueue ?? [])];
    const ids = await this.accounts.writeScores(manager, {
      accounts,
      changes,
      messages,
      ...(extras.partitionWatermark ? { partitionWatermark: extras.partitionWatermark } : {}),
      ...(extras.created && extras.created.size > 0 ? { created: extras.created } : {}),
    });
    return { ids, messages };
  }

  /**
   * Once the transaction of `write` committed: drops the cached views of `accountIds` (a Redis
   * outage is ignored, the views expire) and publishes `committed` (a failed send is left to the
   * relay's sweep; never thrown).
   */
  async afterCommit(accountIds: Iterable<string>, committed: CommittedOutboxRows): Promise<void> {
    await this.cache.invalidate(accountIds);
    await this.relay.publishCommitted(committed);
  }
}
