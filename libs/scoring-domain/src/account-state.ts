import type { JsonObject, TelemetryEvent } from '@bellwether/contracts';
import { dayOf } from './time';

/**
 * Everything scoring remembers about one account. Bounded: day counters cover the longest
 * window (90 days) and are pruned as the watermark moves; per-user and per-feature maps keep
 * only a last-seen day and are capped. Applying an event is O(1) amortised.
 */
export interface AccountState {
  readonly accountId: string;
  attributes: AccountAttributes;
  /** Events per day (activity), keyed by day number; days older than the horizon are pruned. */
  activityByDay: Record<string, number>;
  /** Support tickets opened per day. */
  ticketsByDay: Record<string, number>;
  /** Last day each user was active. */
  userLastSeen: Record<string, number>;
  /** Last day each feature was used. */
  featureLastUsed: Record<string, number>;
  milestones: string[];
  nps: { score: number; day: number } | null;
  billing: { paymentFailedDay: number | null; invoiceOverdueDay: number | null; downgradeRequestedDay: number | null; lastPaymentOkDay: number | null };
  /** Newest event time seen for this account (day number), or null before the first event. */
  lastEventDay: number | null;
  firstEventDay: number | null;
  eventsApplied: number;
}

export interface AccountAttributes {
  plan?: string;
  seats?: number;
  mrr?: number;
  csmId?: string;
  renewalDate?: string;
  contractStart?: string;
}

export const STATE_HORIZON_DAYS = 90;
const MAX_TRACKED_USERS = 5000;
const MAX_TRACKED_FEATURES = 200;
const MAX_MILESTONES = 100;

export function emptyAccountState(accountId: string): AccountState {
  return {
    accountId,
    attributes: {},
    activityByDay: {},
    ticketsByDay: {},
    userLastSeen: {},
    featureLastUsed: {},
    milestones: [],
    nps: null,
    billing: { paymentFailedDay: null, invoiceOverdueDay: null, downgradeRequestedDay: null, lastPaymentOkDay: null },
    lastEventDay: null,
    firstEventDay: null,
    eventsApplied: 0,
  };
}

/** Event types that say nothing about product activity (they come from billing, CRM, CSMs). */
const nonActivityTypes: ReadonlySet<string> = new Set([
  'billing.payment_failed',
  'billing.payment_succeeded',
  'billing.invoice_overdue',
  'subscription.changed',
  'subscription.downgrade_requested',
  'csm.touchpoint',
  'account.updated',
  'account.churned',
  'account.renewed',
  'account.expanded',
  'account.contracted',
  'nps.responded',
  'support.ticket_resolved',
]);

/** Applies one event to the state in place (the caller owns the object). */
export function applyEvent(state: AccountState, event: TelemetryEvent): void {
  const day = dayOf(event.timestamp);
  const properties = event.properties;
  state.eventsApplied += 1;
  state.lastEventDay = state.lastEventDay === null ? day : Math.max(state.lastEventDay, day);
  state.firstEventDay = state.firstEventDay === null ? day : Math.min(state.firstEventDay, day);

  if (!nonActivityTypes.has(event.type)) {
    increment(state.activityByDay, day);
    if (event.userId) touch(state.userLastSeen, event.userId, day, MAX_TRACKED_USERS);
  }

  switch (event.type) {
    case 'feature.used': {
      const feature = stringProperty(properties, 'feature');
      if (feature) touch(state.featureLastUsed, feature, day, MAX_TRACKED_FEATURES);
      break;
    }
    case 'onboarding.milestone_completed': {
      const milestone = stringProperty(properties, 'milestone');
      if (milestone && !state.milestones.includes(milestone) && state.milestones.length < MAX_MILESTONES) state.milestones.push(milestone);
      break;
    }
    case 'support.ticket_opened':
      increment(state.ticketsByDay, day);
      break;
    case 'nps.responded': {
      const score = numberProperty(properties, 'score');
      if (score !== undefined && score >= 0 && score <= 10 && (state.nps === null || day >= state.nps.day)) state.nps = { score, day };
      break;
    }
    case 'billing.payment_failed':
      state.billing.paymentFailedDay = later(state.billing.paymentFailedDay, day);
      break;
    case 'billing.invoice_overdue':
      state.billing.invoiceOverdueDay = later(state.billing.invoiceOverdueDay, day);
      break;
    case 'billing.payment_succeeded':
      state.billing.lastPaymentOkDay = later(state.billing.lastPaymentOkDay, day);
      break;
    case 'subscription.downgrade_requested':
      state.billing.downgradeRequestedDay = later(state.billing.downgradeRequestedDay, day);
      break;
    case 'subscription.changed':
      applyAttributes(state.attributes, properties);
      break;
    case 'account.updated': {
      const traits = properties['traits'];
      if (traits && typeof traits === 'object' && !Array.isArray(traits)) applyAttributes(state.attributes, traits);
      break;
    }
    default:
      break;
  }
  pruneBefore(state, (state.lastEventDay ?? day) - STATE_HORIZON_DAYS);
}

/** Drops day counters older than `oldestDay`; keeps state bounded as time passes. */
export function pruneBefore(state: AccountState, oldestDay: number): void {
  for (const counters of [state.activityByDay, state.ticketsByDay]) {
    for (const key of Object.keys(counters)) if (Number(key) < oldestDay) delete counters[key];
  }
  for (const users of [state.userLastSeen, state.featureLastUsed]) {
    for (const [key, lastDay] of Object.entries(users)) if (lastDay < oldestDay) delete users[key];
  }
}

function applyAttributes(attributes: AccountAttributes, source: JsonObject): void {
  const plan = stringProperty(source, 'plan');
  const seats = numberProperty(source, 'seats');
  const mrr = numberProperty(source, 'mrr');
  const csmId = stringProperty(source, 'csmId');
  const renewalDate = stringProperty(source, 'renewalDate');
  const contractStart = stringProperty(source, 'startDate') ?? stringProperty(source, 'contractStart');
  if (plan) attributes.plan = plan;
  if (seats !== undefined && seats >= 0) attributes.seats = seats;
  if (mrr !== undefined && mrr >= 0) attributes.mrr = mrr;
  if (csmId) attributes.csmId = csmId;
  if (renewalDate && !Number.isNaN(Date.parse(renewalDate))) attributes.renewalDate = renewalDate;
  if (contractStart && !Number.isNaN(Date.parse(contractStart))) attributes.contractStart = contractStart;
}

function increment(counters: Record<string, number>, day: number): void {
  counters[day] = (counters[day] ?? 0) + 1;
}

function touch(lastSeen: Record<string, number>, key: string, day: number, cap: number): void {
  const previous = lastSeen[key];
  if (previous !== undefined) {
    if (day > previous) lastSeen[key] = day;
    return;
  }
  if (Object.keys(lastSeen).length >= cap) return;
  lastSeen[key] = day;
}

function later(current: number | null, day: number): number {
  return current === null ? day : Math.max(current, day);
}

function stringProperty(source: JsonObject, name: string): string | undefined {
  const value = source[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function numberProperty(source: JsonObject, name: string): number | undefined {
  const value = source[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
