/** Native event types of the contract. Unknown types are accepted and count as activity. */
export const EventTypes = [
  'session.started',
  'feature.used',
  'feature.gated',
  'page.viewed',
  'usage.reported',
  'onboarding.milestone_completed',
  'support.ticket_opened',
  'support.ticket_resolved',
  'nps.responded',
  'billing.payment_failed',
  'billing.payment_succeeded',
  'billing.invoice_overdue',
  'subscription.changed',
  'subscription.downgrade_requested',
  'engagement.email_opened',
  'engagement.event_attended',
  'community.posted',
  'csm.touchpoint',
  'account.updated',
  'account.churned',
  'account.renewed',
  'account.expanded',
  'account.contracted',
] as const;

export type KnownEventType = (typeof EventTypes)[number];

const knownEventTypes: ReadonlySet<string> = new Set(EventTypes);

export function isKnownEventType(type: string): type is KnownEventType {
  return knownEventTypes.has(type);
}
