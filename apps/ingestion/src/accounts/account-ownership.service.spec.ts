import type { EntityManager } from 'typeorm';
import { Topics, type TelemetryEvent } from '@bellwether/contracts';
import { FixedClock, type Outbox, type OutboxMessage, type Transactions } from '@bellwether/platform';
import type { AdminAuditRepository, AuditEntry } from '../directory/admin-audit.repository';
import type { AccountOwnershipRepository, OwnershipValues, StoredOwnership } from './account-ownership.repository';
import { AccountOwnershipService, auditActionOf } from './account-ownership.service';

/** A typed fake of a class' public surface (what the unit under test can call). */
const fake = <T>(methods: { [K in keyof T]: T[K] }): T => methods as T;
const unused = (): never => {
  throw new Error('not used by this unit');
};

const now = '2026-03-01T10:00:00.000Z';
const savedAt = '2026-03-01T10:00:00.123Z';

function harness(stored: StoredOwnership | null) {
  // `query` answers the per-account advisory lock (lockAccount) the service takes first.
  const manager = { transaction: 'ownership', query: async () => [] } as unknown as EntityManager;
  const saved: [boolean, string, OwnershipValues][] = [];
  const audits: [boolean, AuditEntry][] = [];
  const enqueued: [boolean, readonly OutboxMessage[]][] = [];
  const transactions: Transactions = { run: (work) => work(manager) };
  const ownerships = fake<AccountOwnershipRepository>({
    find: async (accountId) => (stored?.accountId === accountId ? stored : null),
    findForUpdate: async (tx, accountId) => (tx === manager && stored?.accountId === accountId ? stored : null),
    save: async (tx, accountId, values) => {
      saved.push([tx === manager, accountId, values]);
      return { accountId, ...values, updatedAt: savedAt };
    },
  });
  const audit = fake<AdminAuditRepository>({ record: async (tx, entry) => void audits.push([tx === manager, entry]), read: unused });
  const outbox = fake<Outbox>({ enqueue: async (tx, messages) => void enqueued.push([tx === manager, messages]) });
  const service = new AccountOwnershipService(transactions, ownerships, audit, outbox, new FixedClock(Date.parse(now)));
  return { service, saved, audits, enqueued };
}

describe('AccountOwnershipService', () => {
  const stored: StoredOwnership = { accountId: 'acct-1', csmId: 'csm-a', team: 'emea', tier: 'gold', cacUsd: 9000, grossMarginPct: 0.7, updatedAt: '2026-02-01T00:00:00.000Z' };

  it('answers an account the admin API never set as unassigned, with no updatedAt', async () => {
    const { service } = harness(null);
    expect(await service.get('acct-9')).toEqual({ accountId: 'acct-9', csmId: null, team: null, tier: null, cacUsd: null, grossMarginPct: null, updatedAt: null });
    expect(await harness(stored).service.get('acct-1')).toEqual(stored);
  });

  it('keeps absent fields, unassigns null ones, audits before and after, and enqueues one trusted account.updated at the clock time', async () => {
    const { service, saved, audits, enqueued } = harness(stored);
    const after = await service.patch('key-admin', 'acct-1', { csmId: 'csm-b', tier: null });

    expect(after).toEqual({ accountId: 'acct-1', csmId: 'csm-b', team: 'emea', tier: null, cacUsd: 9000, grossMarginPct: 0.7, updatedAt: savedAt });
    expect(saved).toEqual([[true, 'acct-1', { csmId: 'csm-b', team: 'emea', tier: null, cacUsd: 9000, grossMarginPct: 0.7 }]]);
    expect(audits).toEqual([[true, { actorKeyId: 'key-admin', action: 'account.ownership.patch', subject: 'account:acct-1', before: stored, after }]]);

    expect(enqueued).toHaveLength(1);
    const [sameTransaction, messages] = enqueued[0] ?? [false, []];
    expect(sameTransaction).toBe(true);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ topic: Topics.events, key: 'acct-1' });
    const event = messages[0]?.payload as TelemetryEvent;
    expect(event).toEqual({
      schemaVersion: 1,
      id: expect.stringMatching(/^admin-account-[0-9a-f-]{36}$/) as unknown as string,
      type: 'account.updated',
      accountId: 'acct-1',
      timestamp: now,
      receivedAt: now,
      source: 'native',
      properties: { traits: { csmId: 'csm-b', tier: null } },
      trustedAttributes: true,
    });
  });

  it('sets CAC and gross margin, keeps the ownership, audits the whole record as an economics patch, and sends them as trusted traits', async () => {
    const { service, saved, audits, enqueued } = harness(stored);
    const after = await service.patch('key-admin', 'acct-1', { cacUsd: 12000, grossMarginPct: null });

    expect(saved).toEqual([[true, 'acct-1', { csmId: 'csm-a', team: 'emea', tier: 'gold', cacUsd: 12000, grossMarginPct: null }]]);
    expect(after).toMatchObject({ csmId: 'csm-a', cacUsd: 12000, grossMarginPct: null });
    expect(audits).toEqual([[true, { actorKeyId: 'key-admin', action: 'account.economics.patch', subject: 'account:acct-1', before: stored, after }]]);
    const event = enqueued[0]?.[1][0]?.payload as TelemetryEvent;
    expect(event).toMatchObject({ type: 'account.updated', accountId: 'acct-1', trustedAttributes: true, properties: { traits: { cacUsd: 12000, grossMarginPct: null } } });
    expect(Object.keys(event.properties['traits'] as object)).toEqual(['cacUsd', 'grossMarginPct']);
  });

  it('names the audit action by what the patch names', () => {
    expect(auditActionOf({ csmId: 'a' })).toBe('account.ownership.patch');
    expect(auditActionOf({ grossMarginPct: 0.8 })).toBe('account.economics.patch');
    expect(auditActionOf({ tier: null, cacUsd: 0 })).toBe('account.patch');
  });

  it('creates the ownership of an account never set, auditing a null before', async () => {
    const { service, saved, audits } = harness(null);
    await service.patch('key-admin', 'acct-2', { team: 'apac' });
    expect(saved).toEqual([[true, 'acct-2', { csmId: null, team: 'apac', tier: null, cacUsd: null, grossMarginPct: null }]]);
    expect(audits[0]?.[1]).toMatchObject({ before: null, after: { accountId: 'acct-2', team: 'apac' } });
  });

  it('neither audits nor enqueues once the save fails (the transaction rolls back and the error reaches the caller)', async () => {
    // Audit and outbox are `unused`: reaching either would reject with 'not used by this unit'.
    const failing = new AccountOwnershipService(
      { run: (work) => work({ query: async () => [] } as unknown as EntityManager) },
      fake<AccountOwnershipRepository>({ find: unused, findForUpdate: async () => null, save: async () => Promise.reject(new Error('db down')) }),
      fake<AdminAuditRepository>({ record: unused, read: unused }),
      fake<Outbox>({ enqueue: unused }),
      new FixedClock(Date.parse(now)),
    );
    await expect(failing.patch('key-admin', 'acct-1', { tier: 'gold' })).rejects.toThrow('db down');
  });
});
