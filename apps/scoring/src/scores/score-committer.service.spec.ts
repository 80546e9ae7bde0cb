import { telemetryEvent } from '@bellwether/testing';
import type { EntityManager } from 'typeorm';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import type { OutboxMessage, OutboxRelay } from '@bellwether/platform';
import { applyAccountEvents, defaultScorecard } from '@bellwether/scoring-domain';
import type { AccountCache } from './account-cache';
import type { AccountStateRepository } from './account-state.repository';
import { ScoreCommitter } from './score-committer.service';
import { scoreChangeMessages } from './score-change-messages';

/** A typed fake of a class' public surface (what the unit under test can call). */
const fake = <T>(methods: { [K in keyof T]: T[K] }): T => methods as T;
const unused = (): never => {
  throw new Error('not used by this unit');
};

const telemetry = (id: string, accountId: string): TelemetryEvent => telemetryEvent({ id, accountId, type: 'nps.responded', timestamp: '2026-03-01T10:00:00.000Z', properties: { score: 3 } });
const options = { allowedLatenessDays: 30, gracePeriodMs: 48 * 3_600_000 };

function harness() {
  const calls: [string, ...unknown[]][] = [];
  const accounts = fake<AccountStateRepository>({
    claimAndLock: unused,
    lockAccountsToClose: unused,
    lockAccountsAfter: unused,
    writeScores: async (manager, write) => {
      calls.push(['writeScores', manager, write]);
      return write.messages.map((_, index) => String(index + 1));
    },
  });
  const cache = fake<AccountCache>({ get: unused, put: unused, invalidate: async (ids) => void calls.push(['invalidate', [...ids]]) });
  const relay = fake<OutboxRelay>({
    start: unused,
    stop: unused,
    health: unused,
    publishOnce: unused,
    nudge: unused,
    publishCommitted: async (committed) => {
      calls.push(['publishCommitted', committed]);
      return committed.ids.length;
    },
  });
  return { committer: new ScoreCommitter(accounts, cache, relay), calls };
}

describe('ScoreCommitter', () => {
  const manager = { transaction: 'the caller’s' } as unknown as EntityManager;
  const acme = applyAccountEvents('acme', null, [telemetry('e1', 'acme')], defaultScorecard, options);
  const stored = new Map([['acme', acme.stored]]);

  it('writes the accounts, the history, the change messages followed by the extra ones and the watermark in one call, in the caller’s transaction', async () => {
    const { committer, calls } = harness();
    const watermark: OutboxMessage = { topic: Topics.watermarks, key: 'pipeline', payload: { schemaVersion: 1, watermark: '2026-03-01T10:00:00.000Z', closedThrough: null } };
    const partitionWatermark = { partition: 2, watermark: '2026-03-01T10:00:00.000Z' };
    const messages = [...acme.changes.flatMap(scoreChangeMessages), watermark];
    const committed = await committer.write(manager, stored, acme.changes, { alsoEnqueue: [watermark], partitionWatermark });
    expect(calls).toEqual([['writeScores', manager, { accounts: stored, changes: acme.changes, messages, partitionWatermark }]]);
    expect(committed).toEqual({ ids: messages.map((_, index) => String(index + 1)), messages });
  });

  it('after the commit drops the cached views, then publishes the committed rows', async () => {
    const { committer, calls } = harness();
    const committed = { ids: ['5'], messages: [{ topic: Topics.scores, key: 'acme', payload: {} }] };
    await committer.afterCommit(new Set(['acme', 'bolt']), committed);
    expect(calls).toEqual([['invalidate', ['acme', 'bolt']], ['publishCommitted', committed]]);
  });
});
