import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Topics, type JsonObject, type OwnershipAttribute } from '@bellwether/contracts';
import { Clock, Outbox, Transactions } from '@bellwether/platform';
import { toTelemetryEvent } from '@bellwether/ingestion-domain';
import { AdminAuditRepository } from '../directory/admin-audit.repository';
import { AccountOwnershipRepository } from './account-ownership.repository';

/** An account's ownership as the admin API last set it (null: never set, or unassigned). */
export interface AccountOwnership {
  readonly accountId: string;
  readonly csmId: string | null;
  readonly team: string | null;
  readonly tier: string | null;
  /** When the admin API last changed it, ISO-8601; null if it never did. */
  readonly updatedAt: string | null;
}

/** A change: a field absent stays as it is, `null` unassigns it. */
export type OwnershipPatch = Partial<Record<OwnershipAttribute, string | null>>;

/**
 * Account ownership (owner CSM, team, tier) from the admin API, a trusted source. A change is
 * stored and audited, and leaves in the same transaction (through the outbox) as an
 * `account.updated` event on `bellwether.events.v1` marked `trustedAttributes`, which is how
 * scoring learns it. CRM syncs with an `accounts:write` key send the same event themselves.
 * The event is stamped with the injected clock's time.
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
    return (await this.ownerships.find(accountId)) ?? { accountId, csmId: null, team: null, tier: null, updatedAt: null };
  }

  async patch(actorKeyId: string, accountId: string, patch: OwnershipPatch): Promise<AccountOwnership> {
    return this.transactions.run(async (manager) => {
      const before = await this.ownerships.findForUpdate(manager, accountId);
      const next = { csmId: before?.csmId ?? null, team: before?.team ?? null, tier: before?.tier ?? null, ...patch };
      const after = await this.ownerships.save(manager, accountId, next);
      await this.audits.record(manager, { actorKeyId, action: 'account.ownership.patch', subject: `account:${accountId}`, before, after });
      const now = this.clock.nowIso();
      const traits: JsonObject = { ...patch };
      const event = toTelemetryEvent({ id: `admin-ownership-${randomUUID()}`, type: 'account.updated', accountId, timestamp: now, properties: { traits } }, now, 'native', true);
      await this.outbox.enqueue(manager, [{ topic: Topics.events, key: accountId, payload: event }]);
      return after;
    });
  }
}
