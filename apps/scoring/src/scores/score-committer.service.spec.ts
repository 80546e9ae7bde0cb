import { type Outbox } from '@bellwether/platform';
import { telemetryEvent } from '@bellwether/testing';
import type { EntityManager } from 'typeorm';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import type { OutboxMessage, OutboxRelay } from '@bellwether/platform';
import { applyAccountEvents, defaultScorecard } from '@bellwether/scoring-domain';
import type { Account360Repository } from '../accounts/account-360.repository';
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
  const accounts: AccountStateRepository = {
    claimEvents: unused,
    lockAccounts: unused,
    lockAccountsToClose: unused,
    saveAccounts: async (manager, stored) => void calls.push(['saveAccounts', manager, stored]),
  };
  const history = fake<Account360Repository>({
    appendHistory: async (manager, changes) => void calls.push(['appendHistory', manager, changes]),
    projectAlert: unused,
    projectRun: unused,
    findAccount: unused,
    scoreHistory: unused,
    openAlertsOf: unused,
    activeRunsOf: unused,
    projectAlerts: unused,
    projectRuns: unused,
  });
  const outbox: Outbox = { enqueue: async (manager, messages) => void calls.push(['enqueue', manager, messages]) };
  const cache = fake<AccountCache>({ get: unused, put: unused, invalidate: async (ids) => void calls.push(['invalidate', [...ids]]) });
  const relay = fake<OutboxRelay>({ start: unused, stop: unused, health: unused, publishOnce: unused, nudge: () => void calls.push(['nudge']) });
  return { committer: new ScoreCommitter(accounts, history, outbox, cache, relay), calls };
}

describe('ScoreCommitter', () => {
  const manager = { transaction: 'the caller’s' } as unknown as EntityManager;
  const acme = applyAccountEvents('acme', null, [telemetry('e1', 'acme')], defaultScorecard, options);
  const stored = new Map([['acme', acme.stored]]);

  it('saves the accounts, appends the history, then enqueues the change messages followed by the extra ones, in the caller’s transaction', async () => {
    const { committer, calls } = harness();
    const watermark: OutboxMessage = { topic: Topics.watermarks, key: 'pipeline', payload: { schemaVersion: 1, watermark: '2026-03-01T10:00:00.000Z', closedThrough: null } };
    await committer.write(manager, stored, acme.changes, [watermark]);
    expect(calls).toEqual([
      ['saveAccounts', manager, stored],
      ['appendHistory', manager, acme.changes],
      ['enqueue', manager, [...acme.changes.flatMap(scoreChangeMessages), watermark]],
    ]);
  });

  it('after the commit drops the cached views, and nudges the relay only when something was enqueued', async () => {
    const { committer, calls } = harness();
    await committer.afterCommit(new Set(['acme', 'bolt']), true);
    await committer.afterCommit([], false);
    expect(calls).toEqual([['invalidate', ['acme', 'bolt']], ['nudge'], ['invalidate', []]]);
  });
});
