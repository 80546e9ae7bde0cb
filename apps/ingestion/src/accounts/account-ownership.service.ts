import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ownershipAttributes, Topics, type AccountEconomicsAttribute, type JsonObject, type OwnershipAttribute } from '@bellwether/contracts';
import { Clock, lockAccount, Outbox, Transactions } from '@bellwether/platform';
import { toTelemetryEvent } from '@bellwether/ingestion-domain';
import { AdminAuditRepository } from '../directory/admin-audit.repository';
import { AccountOwnershipRepository } from './account-ownership.repository';

/** An account's ownership and economics as the admin API last set them (null: never set, unassigned or cleared). */
export interface AccountOwnership {
  readonly accountId: string;
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
  /** Cost to acquire the account, USD (≥ 0). */
  readonly cacUsd: number | null;
  /** Gross margin, a fraction in [0, 1] (0.8 = 80 %). */
  readonly grossMarginPct: number | null;
  /** When the admin API last changed it, ISO-8601; null if it never did. */
  readonly updatedAt: string | null;
}

/** A change: a field absent stays as it is, `null` unassigns (ownership) or clears (economics) it. */
export type OwnershipPatch = Partial<Record<OwnershipAttribute, string | null> & Record<AccountEconomicsAttribute, number | null>>;

/**
 * The audit action of a patch, by what it names: `account.ownership.patch` (csmId, team, tier
 * only, as before issue 18), `account.economics.patch` (cacUsd, grossMarginPct only) or
 * `account.patch` (both).
 */
export function auditActionOf(patch: OwnershipPatch): string {
  const names = Object.keys(patch);
  const ownership = names.some((name) => (ownershipAttributes as readonly string[]).includes(name));
  const economics = names.some((name) => !(ownershipAttributes as readonly string[]).includes(name));
  return ownership && economics ? 'account.patch' : economics ? 'account.economics.patch' : 'account.ownership.patch';
}

/**
 * Account ownership (owner CSM, team, tier) and economics (CAC, gross margin) from the admin
 * API, a trusted source. A change is stored and audited (the whole record before and after), and
 * leaves in the same transaction (through the outbox) as an `account.updated` event on
 * `bellwether.events.v1` marked `trustedAttributes`, its traits the fields the patch named: that
 * is how scoring learns the ownership and the playbook's KPI read model the economics. CRM syncs
 * with an `accounts:write` key send the same event themselves. The event is stamped with the
 * injected clock's time.
 */
@Injectable()
export class AccountOwnershipService {
  constructor(
    private readonly transactions: Transactions,
    private readonly ownerships: AccountOwnershipRepository,
    private readonly audits: AdminAuditRepository,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  async get(accountId: string): Promise<AccountOwnership> {
    return (await this.ownerships.find(accountId)) ?? { accountId, csmId: null, team: null, tier: null, cacUsd: null, grossMarginPct: null, updatedAt: null };
  }

  async patch(actorKeyId: string, accountId: string, patch: OwnershipPatch): Promise<AccountOwnership> {
    return this.transactions.run(async (manager) => {
      // FOR UPDATE locks nothing while the account has no row: two first PATCHes (one csmId, one
      // cacUsd) would both read "none" and the later upsert would write null over the other's field.
      await lockAccount(manager, 'ingestion-accounts', accountId);
      const before = await this.ownerships.findForUpdate(manager, accountId);
      const next = {
        csmId: before?.csmId ?? null,
        team: before?.team ?? null,
        tier: before?.tier ?? null,
        cacUsd: before?.cacUsd ?? null,
        grossMarginPct: before?.grossMarginPct ?? null,
        ...patch,
      };
      const after = await this.ownerships.save(manager, accountId, next);
      await this.audits.record(manager, { actorKeyId, action: auditActionOf(patch), subject: `account:${accountId}`, before, after });
      const now = this.clock.nowIso();
      const traits: JsonObject = { ...patch };
      const event = toTelemetryEvent({ id: `admin-account-${randomUUID()}`, type: 'account.updated', accountId, timestamp: now, properties: { traits } }, now, 'native', true);
      await this.outbox.enqueue(manager, [{ topic: Topics.events, key: accountId, payload: event }]);
      return after;
    });
  }
}
