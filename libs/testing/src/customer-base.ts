import { DAY_MS, HOUR_MS, type JsonObject } from '@bellwether/contracts';
import { SeededRandom } from './seeded-random';

/**
 * A simulated customer base with known outcomes, for replays (issue 14): accounts of a few
 * archetypes, their telemetry, CRM and billing events over D days, and the order in which those
 * events ARRIVE at Bellwether. Pure and seeded: the same options give the same base, byte for byte.
 *
 * Time: the simulation covers days [start, end), where start is midnight UTC D+5 days before
 * `nowMs`, so every event time and every arrival (at most 40 h after its event time) lies in the
 * past, and ingestion's future-skew check never applies.
 */

/**
 * What a simulated account does, and so what a good system should say about it. The first seven
 * are issue 14's (`defaultArchetypeMix`); the rest are issue 15's backtest cases
 * (`backtestArchetypeMix`). In the words: healthy = steady, expanding = growing,
 * silent_churn = going silent, payment_failure = billing trouble.
 */
export const customerArchetypes = [
  'healthy',
  'declining_churn',
  'silent_churn',
  'late_reporter',
  'expanding',
  'payment_failure',
  'nps_detractor',
  'slow_decline',
  'stalled_onboarding',
  'noisy_support',
  'lost_champion',
  'seat_contraction',
  'reactivated',
  'mid_contract',
] as const;

export type CustomerArchetype = (typeof customerArchetypes)[number];

/** Default share of each archetype in a base (issue 14's seven; the first seven accounts take one of each). */
export const defaultArchetypeMix: Readonly<Partial<Record<CustomerArchetype, number>>> = {
  healthy: 0.4,
  declining_churn: 0.1,
  silent_churn: 0.08,
  late_reporter: 0.1,
  expanding: 0.12,
  payment_failure: 0.1,
  nps_detractor: 0.1,
};

/**
 * The mix of `npm run backtest` (issue 15): every archetype, with the slow and quiet churns
 * (slow_decline, lost_champion) and the false-alarm traps (seat_contraction, mid_contract,
 * reactivated, noisy_support) well represented. About 30 % of the accounts churn.
 */
export const backtestArchetypeMix: Readonly<Record<CustomerArchetype, number>> = {
  healthy: 0.2,
  declining_churn: 0.04,
  silent_churn: 0.05,
  late_reporter: 0.05,
  expanding: 0.1,
  payment_failure: 0.06,
  nps_detractor: 0.04,
  slow_decline: 0.08,
  stalled_onboarding: 0.05,
  noisy_support: 0.07,
  lost_champion: 0.07,
  seat_contraction: 0.06,
  reactivated: 0.05,
  mid_contract: 0.08,
};

export interface CustomerBaseOptions {
  readonly seed: string | number;
  /** Number of accounts (≥ 1). */
  readonly accounts: number;
  /** Simulated days (≥ 14: the scorecard needs two weeks of baseline). */
  readonly days: number;
  /** The wall clock the base is anchored to, epoch ms: the simulation ends D+5… 5 days before it. */
  readonly nowMs: number;
  /** Mean events per active user on an active day, the session start included (default 4). */
  readonly eventsPerActiveUser?: number;
  /** Licensed seats per account, inclusive range (default [5, 30]); each seat is one user. */
  readonly seats?: readonly [number, number];
  /** Account ids are `<prefix>-<index, 4 digits>` (default `sim`). */
  readonly accountPrefix?: string;
  /** Share of each archetype (normalized; missing ones get 0). Default `defaultArchetypeMix`. */
  readonly mix?: Partial<Record<CustomerArchetype, number>>;
  /** Accounts per CSM (default 25): account i is owned by `csm-<1 + i mod ceil(accounts / accountsPerCsm)>`. */
  readonly accountsPerCsm?: number;
}

/** An event in the native `POST /v1/events` shape. */
export interface SimulatedEvent {
  readonly id: string;
  readonly type: string;
  readonly accountId: string;
  readonly userId?: string;
  /** Event time, ISO-8601 UTC with milliseconds. */
  readonly timestamp: string;
  readonly properties: JsonObject;
}

/** An event and the moment it reaches ingestion (event time + delivery delay). */
export interface ArrivingEvent {
  /** ISO-8601 UTC. Never before the event time, never more than `maxDeliveryDelayMs` after it. */
  readonly arrivedAt: string;
  readonly event: SimulatedEvent;
}

/** The trouble a simulated account really has, and when it started (event time). */
export interface KnownTrouble {
  readonly kind: 'decline' | 'silence' | 'payment_failed' | 'detractor' | 'stalled' | 'champion_left';
  readonly from: string;
  /** When it was over (payment recovered), or null when it lasts (churn, detractor). */
  readonly until: string | null;
}

/** Ground truth for one account: what happened, independent of what Bellwether concludes. */
export interface KnownOutcome {
  /** Event time of its `account.churned`, or null if it stays a customer. */
  readonly churnedAt: string | null;
  readonly trouble: KnownTrouble | null;
  /** When expansion signals (pricing views, gated features, usage near the limit) started, or null. */
  readonly expansionSignalsFrom: string | null;
  /** Event time of its `account.expanded`, or null. */
  readonly expandedAt: string | null;
  /** Event time of its new subscription after the churn (reactivated accounts), or null. */
  readonly reactivatedAt: string | null;
  /** Event time of its `account.renewed`, or null (no renewal date fell in the simulated days). */
  readonly renewedAt: string | null;
  /** Event time of its seat cut (`subscription.changed` with fewer seats), or null. */
  readonly seatsCutAt: string | null;
  /** Event time of its first event (later than the start for mid-contract and new accounts). */
  readonly firstEventAt: string;
}

export interface SimulatedAccount {
  readonly accountId: string;
  readonly archetype: CustomerArchetype;
  readonly csmId: string;
  readonly plan: string;
  readonly seats: number;
  readonly mrr: number;
  /** `daily_bulk`: its product telemetry arrives once a day, 1–40 h after the event time. */
  readonly delivery: 'prompt' | 'daily_bulk';
  readonly outcome: KnownOutcome;
}

export interface CustomerBase {
  readonly seed: string;
  readonly days: number;
  /** First simulated instant (midnight UTC), ISO-8601. */
  readonly startTime: string;
  /** End of the last simulated day (exclusive), ISO-8601. */
  readonly endTime: string;
  readonly accounts: readonly SimulatedAccount[];
  /** Every event, in arrival order (ties by event id). */
  readonly events: readonly ArrivingEvent[];
}

const MINUTE_MS = 60_000;
/** No event arrives later than this after its event time (the grace period will be 48 h). */
export const maxDeliveryDelayMs = 40 * HOUR_MS;
/** An ordinary (prompt) event arrives within this after its event time: seconds to minutes. */
export const maxPromptDelayMs = 15 * MINUTE_MS;
/** A daily-bulk reporter's events wait at least this long. */
export const minBulkDelayMs = HOUR_MS;

/** The default scorecard's key features (libs/scoring-domain signal settings). */
const KEY_FEATURES = ['reports', 'dashboards', 'integrations', 'automation', 'api'] as const;
const OTHER_FEATURES = ['search', 'export', 'comments', 'sharing', 'alerts'] as const;
const APP_PAGES = ['/app/home', '/app/reports', '/app/settings', '/docs/getting-started', '/app/dashboards'] as const;
const PRICING_PAGES = ['/pricing', '/plans', '/upgrade'] as const;
const GATED_FEATURES = ['sso', 'audit_log', 'sandbox'] as const;
const TICKET_TOPICS = ['login', 'sync', 'reports', 'performance', 'billing', 'permissions'] as const;
const PLANS = {
  starter: { pricePerSeat: 30, apiLimit: 10_000 },
  pro: { pricePerSeat: 60, apiLimit: 50_000 },
  business: { pricePerSeat: 95, apiLimit: 200_000 },
} as const;
type PlanName = keyof typeof PLANS;
/** Event types that come from the product (SDK): a daily-bulk reporter delays these; CRM, billing, support and email systems report promptly. */
const PRODUCT_TYPES: ReadonlySet<string> = new Set(['session.started', 'feature.used', 'feature.gated', 'page.viewed', 'usage.reported']);

/**
 * Generates the base. Deterministic in its options; throws on options out of range. Sizes: about
 * accounts × days × (0.75 × seats × 0.65 × eventsPerActiveUser) events (weekends are quieter).
 */
export function generateCustomerBase(options: CustomerBaseOptions): CustomerBase {
  const { accounts: accountCount, days } = options;
  if (!Number.isInteger(accountCount) || accountCount < 1) throw new Error(`accounts must be an integer ≥ 1 (got ${accountCount})`);
  if (!Number.isInteger(days) || days < 14) throw new Error(`days must be an integer ≥ 14 (got ${days})`);
  const [minSeats, maxSeats] = options.seats ?? [5, 30];
  if (!Number.isInteger(minSeats) || !Number.isInteger(maxSeats) || minSeats < 1 || maxSeats < minSeats) throw new Error(`seats must be integers 1 ≤ min ≤ max (got ${minSeats}, ${maxSeats})`);
  const eventsPerActiveUser = options.eventsPerActiveUser ?? 4;
  if (!(eventsPerActiveUser >= 1)) throw new Error(`eventsPerActiveUser must be ≥ 1 (got ${eventsPerActiveUser})`);
  const startMs = Math.floor(options.nowMs / DAY_MS) * DAY_MS - (days + 5) * DAY_MS;
  const seed = String(options.seed);
  const archetypes = assignArchetypes(seed, accountCount, options.mix ?? defaultArchetypeMix);
  const prefix = options.accountPrefix ?? 'sim';
  const accountsPerCsm = options.accountsPerCsm ?? 25;
  if (!Number.isInteger(accountsPerCsm) || accountsPerCsm < 1) throw new Error(`accountsPerCsm must be an integer ≥ 1 (got ${accountsPerCsm})`);
  const context: BaseContext = { seed, startMs, days, minSeats, maxSeats, eventsPerActiveUser, csmCount: Math.max(1, Math.ceil(accountCount / accountsPerCsm)) };

  const accounts: SimulatedAccount[] = [];
  const arriving: { arrivedMs: number; event: SimulatedEvent }[] = [];
  archetypes.forEach((archetype, index) => {
    const accountId = `${prefix}-${String(index).padStart(4, '0')}`;
    const simulated = simulateAccount(context, index, accountId, archetype);
    accounts.push(simulated.account);
    arriving.push(...simulated.events);
  });
  arriving.sort((a, b) => a.arrivedMs - b.arrivedMs || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  return {
    seed,
    days,
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(startMs + days * DAY_MS).toISOString(),
    accounts,
    events: arriving.map(({ arrivedMs, event }) => ({ arrivedAt: new Date(arrivedMs).toISOString(), event })),
  };
}

interface BaseContext {
  readonly seed: string;
  readonly startMs: number;
  readonly days: number;
  readonly minSeats: number;
  readonly maxSeats: number;
  readonly eventsPerActiveUser: number;
  readonly csmCount: number;
}

/** The first accounts take one archetype each (in a seeded order), the rest follow the mix. */
function assignArchetypes(seed: string, count: number, mix: Partial<Record<CustomerArchetype, number>>): CustomerArchetype[] {
  const random = new SeededRandom(`${seed}:archetypes`);
  const weighted = customerArchetypes.filter((archetype) => (mix[archetype] ?? 0) > 0);
  if (weighted.length === 0) throw new Error('the archetype mix gives every archetype a weight of 0');
  const total = weighted.reduce((sum, archetype) => sum + (mix[archetype] ?? 0), 0);
  const assigned = random.sample(weighted, Math.min(count, weighted.length));
  while (assigned.length < count) {
    let draw = random.next() * total;
    const chosen = weighted.find((archetype) => (draw -= mix[archetype] ?? 0) < 0) ?? (weighted[weighted.length - 1] as CustomerArchetype);
    assigned.push(chosen);
  }
  return assigned;
}

/** Day indexes (0-based, from the start) of what happens to one account. */
interface AccountScript {
  /** Product activity relative to normal on a day (before weekday and noise). */
  readonly level: (day: number) => number;
  /** Share of the current seats whose users use the product at all (the rest of the seats stay unused). */
  readonly seatsInUse: (day: number) => number;
  readonly churnDay: number | null;
  readonly trouble: { kind: KnownTrouble['kind']; fromDay: number; fromHour: number; untilDay: number | null } | null;
  readonly expansionDay: number | null;
  readonly expandedDay: number | null;
  readonly paymentFailure: { failDay: number; recoverDay: number } | null;
  readonly nps: { day: number; score: number } | null;
  /** The account's first day in the history (0 unless it is new or its history begins mid-contract). */
  readonly firstDay: number;
  /** mid_contract: the owner (`account.updated`) comes first, the contract only the next day. */
  readonly ownerFirst: boolean;
  /** Days between the contract's start and the first day (new accounts: 0). Null: the usual 120–700. */
  readonly contractAgeDays: number | null;
  /** Chance of a support ticket on an active day, and whether tickets are neutral (no sentiment) or sometimes negative. */
  readonly ticketChance: (day: number) => number;
  readonly negativeTickets: boolean;
  /** The most active user (u1) is active every working day with more actions, and leaves on this day. */
  readonly championLeavesDay: number | null;
  readonly hasChampion: boolean;
  /** Seats cut to this share on this day (the users beyond the new seats leave). */
  readonly seatCut: { day: number; share: number } | null;
  /** A new subscription this many days after the churn (the account comes back). */
  readonly reactivateDay: number | null;
}

/** Public holidays (MM-DD, UTC) on which every account is as quiet as on a weekend. */
const HOLIDAYS: ReadonlySet<string> = new Set(['01-01', '05-01', '07-04', '11-26', '12-24', '12-25', '12-26', '12-31']);

function scriptFor(archetype: CustomerArchetype, days: number, random: SeededRandom, seatShare: number): AccountScript {
  const steady: Omit<AccountScript, 'nps'> = {
    level: () => 1,
    seatsInUse: () => seatShare,
    churnDay: null,
    trouble: null,
    expansionDay: null,
    expandedDay: null,
    paymentFailure: null,
    firstDay: 0,
    ownerFirst: false,
    contractAgeDays: null,
    ticketChance: () => 0.02,
    negativeTickets: false,
    championLeavesDay: null,
    hasChampion: false,
    seatCut: null,
    reactivateDay: null,
  };
  const friendlyNps = (low: number, high: number) => (random.chance(0.5) ? { day: random.int(3, days - 3), score: random.int(low, high) } : null);
  switch (archetype) {
    case 'healthy':
    case 'late_reporter':
      return { ...steady, nps: friendlyNps(8, 10) };
    case 'declining_churn': {
      const declineStart = Math.round(days * random.between(0.25, 0.45));
      const declineDays = Math.min(35, Math.max(7, Math.round(days * random.between(0.3, 0.4))));
      const churnDay = Math.min(days - 2, declineStart + declineDays + random.int(2, 7));
      const level = (day: number) => (day < declineStart ? 1 : day < declineStart + declineDays ? 1 - (0.92 * (day - declineStart)) / declineDays : 0.08);
      return {
        ...steady,
        level,
        churnDay,
        ticketChance: (day: number) => (day >= declineStart ? 0.07 : 0.02),
        trouble: { kind: 'decline', fromDay: declineStart, fromHour: 0, untilDay: null },
        nps: random.chance(0.5) ? { day: random.int(2, Math.max(2, declineStart - 1)), score: random.int(7, 8) } : null,
      };
    }
    case 'slow_decline': {
      // Usage slides over 60–90 days (fewer users, fewer features), neutral tickets, no NPS; the churn follows the slide.
      const declineDays = Math.min(random.int(60, 90), Math.max(14, days - 25));
      const latestStart = Math.max(0, days - declineDays - 12);
      const declineStart = random.int(Math.min(14, latestStart), latestStart);
      const churnDay = Math.min(days - 2, declineStart + declineDays + random.int(2, 8));
      const progress = (day: number) => Math.min(1, Math.max(0, (day - declineStart) / declineDays));
      return {
        ...steady,
        level: (day: number) => 1 - 0.85 * progress(day),
        seatsInUse: (day: number) => seatShare * (1 - 0.6 * progress(day)),
        churnDay,
        trouble: { kind: 'decline', fromDay: declineStart, fromHour: 0, untilDay: null },
        ticketChance: () => 0.03,
        nps: null,
      };
    }
    case 'silent_churn': {
      // The churn is recorded when the contract is cancelled, 3–6 weeks after the product went silent.
      const silenceDay = Math.round(days * random.between(0.35, 0.6));
      const churnDay = Math.min(days - 2, silenceDay + random.int(21, 42));
      return { ...steady, level: (day: number) => (day < silenceDay ? 1 : 0), churnDay, trouble: { kind: 'silence', fromDay: silenceDay, fromHour: 0, untilDay: null }, nps: null };
    }
    case 'stalled_onboarding': {
      // A new account: its contract starts on its first day; a few users try it, then progress stops.
      const firstDay = random.int(0, Math.max(0, Math.round(days * 0.3)));
      const stallDay = Math.min(days - 1, firstDay + random.int(10, 20));
      const churnDay = random.chance(0.7) ? Math.min(days - 2, stallDay + random.int(45, 80)) : null;
      const ramp = (day: number) => Math.min(1, 0.25 + (day - firstDay) / 14);
      return {
        ...steady,
        firstDay,
        contractAgeDays: 0,
        level: (day: number) => (day < stallDay ? 0.6 * ramp(day) : 0.12),
        seatsInUse: (day: number) => (day < stallDay ? seatShare * 0.5 * ramp(day) : seatShare * 0.2),
        churnDay: churnDay !== null && churnDay > stallDay ? churnDay : null,
        trouble: { kind: 'stalled', fromDay: stallDay, fromHour: 0, untilDay: null },
        nps: null,
      };
    }
    case 'noisy_support': {
      // Many tickets, some angry, but steady use: it stays (and renews when its date comes).
      return { ...steady, ticketChance: () => 0.25, negativeTickets: true, nps: friendlyNps(6, 9) };
    }
    case 'lost_champion': {
      // The most active user leaves; the others drift away over the next weeks; it churns 40–70 days later.
      const leavesDay = Math.round(days * random.between(0.25, 0.5));
      const churnDay = Math.min(days - 2, leavesDay + random.int(40, 70));
      const sag = (day: number) => Math.min(1, Math.max(0, (day - leavesDay) / Math.max(1, churnDay - leavesDay)));
      return {
        ...steady,
        hasChampion: true,
        championLeavesDay: leavesDay,
        level: (day: number) => (day < leavesDay ? 1 : 0.75 - 0.55 * sag(day)),
        churnDay,
        trouble: { kind: 'champion_left', fromDay: leavesDay, fromHour: 0, untilDay: null },
        nps: null,
      };
    }
    case 'seat_contraction': {
      // Seats cut to 50–65 %; the users beyond them leave; then steady use of ~75 % of the new seats.
      const cutDay = Math.round(days * random.between(0.25, 0.5));
      return { ...steady, seatCut: { day: cutDay, share: random.between(0.5, 0.65) }, seatsInUse: (day: number) => (day < cutDay ? seatShare : 0.75), nps: friendlyNps(7, 9) };
    }
    case 'reactivated': {
      // Goes silent and churns; weeks later a new subscription, and steady use again: a returning customer.
      const silenceDay = Math.round(days * random.between(0.2, 0.35));
      const churnDay = Math.min(days - 30, silenceDay + random.int(21, 35));
      const reactivateDay = Math.min(days - 10, churnDay + random.int(14, 35));
      return {
        ...steady,
        level: (day: number) => (day >= silenceDay && day < reactivateDay ? 0 : 1),
        churnDay,
        reactivateDay,
        trouble: { kind: 'silence', fromDay: silenceDay, fromHour: 0, untilDay: reactivateDay },
        nps: null,
      };
    }
    case 'mid_contract': {
      // Its history begins mid-contract: the contract started 400 days before the first event, and the owner comes first.
      return { ...steady, firstDay: random.int(0, Math.max(0, Math.round(days * 0.3))), ownerFirst: true, contractAgeDays: 400, nps: friendlyNps(8, 10) };
    }
    case 'expanding': {
      const expansionDay = Math.round(days * random.between(0.35, 0.55));
      const expandedDay = Math.min(days - 2, expansionDay + Math.max(7, Math.round(days * 0.3)));
      const progress = (day: number) => (day < expansionDay ? 0 : Math.min(1, (day - expansionDay) / Math.max(1, expandedDay - expansionDay)));
      return {
        ...steady,
        level: (day: number) => 1 + 0.4 * progress(day),
        // It grows into every seat it has: seats near the limit.
        seatsInUse: (day: number) => seatShare + (1 - seatShare) * progress(day),
        expansionDay,
        expandedDay,
        nps: friendlyNps(9, 10),
      };
    }
    case 'payment_failure': {
      const failDay = Math.round(days * random.between(0.3, 0.6));
      const recoverDay = Math.min(days - 1, failDay + random.int(3, 10));
      return { ...steady, paymentFailure: { failDay, recoverDay }, trouble: { kind: 'payment_failed', fromDay: failDay, fromHour: 4, untilDay: recoverDay }, nps: friendlyNps(7, 9) };
    }
    case 'nps_detractor': {
      const day = Math.round(days * random.between(0.3, 0.6));
      return { ...steady, level: () => 0.85, nps: { day, score: random.int(1, 5) }, trouble: { kind: 'detractor', fromDay: day, fromHour: 16, untilDay: null } };
    }
  }
}

function simulateAccount(context: BaseContext, index: number, accountId: string, archetype: CustomerArchetype): { account: SimulatedAccount; events: { arrivedMs: number; event: SimulatedEvent }[] } {
  const { startMs, days } = context;
  const random = new SeededRandom(`${context.seed}:account:${index}`);
  // A contraction needs seats to cut: at least 8, so the 50–65 % left are 4 or more and 75 % of them stay under the 90 % of "seats near the limit".
  const seats = Math.max(random.int(context.minSeats, context.maxSeats), archetype === 'seat_contraction' ? 8 : 1);
  const plan: PlanName = seats <= 10 ? 'starter' : seats <= 25 ? 'pro' : 'business';
  const mrr = seats * PLANS[plan].pricePerSeat;
  const apiLimit = PLANS[plan].apiLimit;
  const users = Array.from({ length: seats }, (_, n) => `${accountId}.u${n + 1}`);
  const keyFeatures = random.sample(KEY_FEATURES, random.int(3, KEY_FEATURES.length));
  const workStartHour = random.int(1, 12);
  const csmId = `csm-${1 + (index % context.csmCount)}`;
  const billingDay = random.int(0, 29);
  const touchInterval = random.int(20, 35);
  const touchOffset = random.int(0, touchInterval - 1);
  const usageWeekday = random.int(0, 6);
  const newsletterWeekday = random.int(1, 5);
  // Most accounts leave some seats unused (below the 90 % that reads as "seats near the limit").
  const script = scriptFor(archetype, days, random, random.between(0.55, 0.85));
  const dailyShare = random.between(0.6, 0.85);
  const delivery: SimulatedAccount['delivery'] = archetype === 'late_reporter' ? 'daily_bulk' : 'prompt';
  // Hour of each day's bulk delivery: between 01:00 and 15:00, so two deliveries are at most 38 h apart.
  const bulkHours = Array.from({ length: days + 3 }, () => random.between(1, 15));
  const firstDayMs = startMs + script.firstDay * DAY_MS;
  // Staying accounts renew when their date falls in the simulated days (40 % of them do).
  const renewalWindow = [Math.max(script.firstDay + 30, Math.round(days * 0.4)), days - 3] as const;
  const renewalDay = script.churnDay === null && renewalWindow[0] <= renewalWindow[1] && random.chance(0.4) ? random.int(renewalWindow[0], renewalWindow[1]) : null;
  const renewalDate = isoDay(startMs + (renewalDay ?? days + random.int(100, 330)) * DAY_MS);
  const contractStart = isoDay(script.contractAgeDays === null ? startMs - random.int(120, 700) * DAY_MS : firstDayMs - script.contractAgeDays * DAY_MS);
  const cutSeats = script.seatCut ? Math.max(1, Math.round(seats * script.seatCut.share)) : seats;
  const champion = script.hasChampion ? (users[0] as string) : null;

  const events: { arrivedMs: number; event: SimulatedEvent }[] = [];
  let sequence = 0;
  const emit = (type: string, rawTimeMs: number, properties: JsonObject = {}, userId?: string, fixedDelayMs?: number): void => {
    const timeMs = Math.floor(rawTimeMs);
    sequence += 1;
    const event: SimulatedEvent = { id: `${accountId}-e${String(sequence).padStart(6, '0')}`, type, accountId, ...(userId ? { userId } : {}), timestamp: new Date(timeMs).toISOString(), properties };
    events.push({ arrivedMs: timeMs + (fixedDelayMs ?? deliveryDelay(type, timeMs)), event });
  };
  const deliveryDelay = (type: string, timeMs: number): number => {
    if (delivery === 'daily_bulk' && PRODUCT_TYPES.has(type)) {
      let day = Math.floor((timeMs + minBulkDelayMs - startMs) / DAY_MS);
      let deliveredMs = startMs + day * DAY_MS + (bulkHours[day] ?? 1) * HOUR_MS;
      if (deliveredMs < timeMs + minBulkDelayMs) {
        day += 1;
        deliveredMs = startMs + day * DAY_MS + (bulkHours[day] ?? 1) * HOUR_MS;
      }
      const delay = deliveredMs - timeMs;
      if (delay < minBulkDelayMs || delay > maxDeliveryDelayMs) throw new Error(`internal: bulk delay ${delay} ms out of bounds`);
      return delay;
    }
    return 1000 + Math.min(maxPromptDelayMs - 1000, Math.floor(random.exponential(40_000)));
  };

  // The trusted contract and owner first (a CRM sync with a key that has accounts:write); an account
  // whose history begins mid-contract shows its owner first.
  const contract = { plan, seats, mrr, startDate: contractStart, renewalDate, limits: { api_calls: apiLimit } };
  const owner = { traits: { csmId, industry: random.pick(['software', 'retail', 'finance', 'health', 'education']), employees: seats * random.int(3, 12) } };
  if (script.ownerFirst) {
    emit('account.updated', firstDayMs + MINUTE_MS, owner, undefined, 1000);
    emit('subscription.changed', firstDayMs + 90_000, contract, undefined, 1000);
  } else {
    emit('subscription.changed', firstDayMs + MINUTE_MS, contract, undefined, 1000);
    emit('account.updated', firstDayMs + 90_000, owner, undefined, 1000);
  }

  const lastActiveDay = script.churnDay === null || script.reactivateDay !== null ? days - 1 : script.churnDay - 1;
  const openTickets: { ticketId: string; resolveDay: number }[] = [];
  let ticketCount = 0;
  const openTicket = (dayMs: number, properties: { topic: string; sentiment?: string; severity?: string }, userId: string) => {
    ticketCount += 1;
    const ticketId = `${accountId}-t${ticketCount}`;
    emit('support.ticket_opened', dayMs + (workStartHour + random.between(0, 8)) * HOUR_MS, { ticketId, ...properties }, userId);
    openTickets.push({ ticketId, resolveDay: Math.floor((dayMs - startMs) / DAY_MS) + random.int(1, 3) });
  };

  for (let day = script.firstDay; day < days; day += 1) {
    const dayMs = startMs + day * DAY_MS;
    if (script.churnDay !== null && day === script.churnDay) {
      emit('account.churned', dayMs + 12 * HOUR_MS, { reason: random.pick(['budget', 'switched_vendor', 'no_adoption']) });
      if (script.reactivateDay === null) break;
    }
    // Churned and not back yet: nothing happens.
    if (script.churnDay !== null && day >= script.churnDay && script.reactivateDay !== null && day < script.reactivateDay) continue;
    if (day === script.reactivateDay) {
      // A returning customer: a new subscription that starts today.
      emit('subscription.changed', dayMs + 2 * HOUR_MS, { ...contract, startDate: isoDay(dayMs), renewalDate: isoDay(dayMs + 365 * DAY_MS) });
    }
    const currentSeats = script.seatCut && day >= script.seatCut.day ? cutSeats : seats;
    if (script.seatCut && day === script.seatCut.day) {
      emit('subscription.changed', dayMs + 3 * HOUR_MS, { plan, seats: cutSeats, mrr: cutSeats * PLANS[plan].pricePerSeat, renewalDate, limits: { api_calls: apiLimit } });
    }
    const weekday = new Date(dayMs).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 || HOLIDAYS.has(isoDay(dayMs).slice(5));
    const level = script.level(day);
    const active = day <= lastActiveDay ? level : 0;

    // Product usage: each active user starts a session and does a few things. A champion (u1) is
    // there every working day, busier than anyone, until it leaves.
    const championHere = champion !== null && (script.championLeavesDay === null || day < script.championLeavesDay);
    const pool = champion !== null && !championHere ? users.slice(1) : users;
    const usersInUse = pool.slice(0, Math.max(1, Math.round(currentSeats * script.seatsInUse(day))));
    const others = championHere ? usersInUse.filter((userId) => userId !== champion) : usersInUse;
    const activeUsers = Math.min(others.length, random.roundRandomly(others.length * dailyShare * active * (weekend ? 0.2 : 1) * random.between(0.85, 1.15)));
    const featuresToday = keyFeatures.slice(0, Math.max(1, Math.round(keyFeatures.length * Math.min(1, level))));
    const activeToday = random.sample(others, activeUsers);
    if (championHere && !weekend && active > 0) activeToday.unshift(champion);
    for (const userId of activeToday) {
      const sessionMs = dayMs + (workStartHour + random.between(0, 8.5)) * HOUR_MS;
      emit('session.started', sessionMs, {}, userId);
      const actions = random.poisson((context.eventsPerActiveUser - 1) * (userId === champion ? 4 : 1));
      for (let action = 0; action < actions; action += 1) {
        const atMs = sessionMs + random.between(0.5, 120) * MINUTE_MS;
        if (random.chance(0.8)) emit('feature.used', atMs, { feature: random.chance(0.7) ? random.pick(featuresToday) : random.pick(OTHER_FEATURES) }, userId);
        else emit('page.viewed', atMs, { path: random.pick(APP_PAGES) }, userId);
      }
    }
    const someone = () => random.pick(usersInUse);
    const workTime = () => dayMs + (workStartHour + random.between(0, 8.5)) * HOUR_MS;

    // Expansion: pricing pages, gated features, usage near the plan limit.
    if (script.expansionDay !== null && day >= script.expansionDay && !weekend && active > 0) {
      if (random.chance(0.6)) emit('page.viewed', workTime(), { path: random.pick(PRICING_PAGES) }, someone());
      if (random.chance(0.35)) emit('feature.gated', workTime(), { feature: random.pick(GATED_FEATURES) }, someone());
    }
    if (weekday === usageWeekday && active > 0) {
      const growth = script.expansionDay !== null && day >= script.expansionDay ? Math.min(1, (day - script.expansionDay) / 14) : 0;
      const ratio = growth > 0 ? 0.6 + 0.37 * growth : random.between(0.3, 0.6) * Math.min(1, active);
      emit('usage.reported', dayMs + 23 * HOUR_MS, { metric: 'api_calls', value: Math.round(apiLimit * ratio), limit: apiLimit });
    }
    if (script.expandedDay !== null && day === script.expandedDay) {
      const newSeats = Math.ceil(seats * 1.5);
      const upgraded: PlanName = plan === 'starter' ? 'pro' : 'business';
      const newMrr = newSeats * PLANS[upgraded].pricePerSeat;
      emit('account.expanded', dayMs + 10 * HOUR_MS, { mrrDelta: newMrr - mrr });
      emit('subscription.changed', dayMs + 10 * HOUR_MS + MINUTE_MS, { plan: upgraded, seats: newSeats, mrr: newMrr, renewalDate, limits: { api_calls: PLANS[upgraded].apiLimit } });
    }

    // Support: now and then a ticket; more while declining; a few angry ones before a detractor answers.
    if (active > 0 && random.chance(script.ticketChance(day))) {
      openTicket(dayMs, { topic: random.pick(TICKET_TOPICS), ...(script.negativeTickets && random.chance(0.3) ? { sentiment: 'negative' } : {}) }, someone());
    }
    if (script.trouble?.kind === 'detractor' && day >= script.trouble.fromDay - 6 && day < script.trouble.fromDay && random.chance(0.4)) {
      openTicket(dayMs, { topic: random.pick(TICKET_TOPICS), ...(random.chance(0.5) ? { sentiment: 'negative' } : {}) }, someone());
    }
    for (const ticket of openTickets.filter((open) => open.resolveDay === day)) {
      emit('support.ticket_resolved', dayMs + (workStartHour + random.between(0, 8)) * HOUR_MS, { ticketId: ticket.ticketId, csat: random.int(3, 5) });
    }

    // Engagement and the CSM's own touchpoints.
    // A weekly newsletter: each user in use opens it or not, so the monthly count is steady (no decay from noise alone).
    if (weekday === newsletterWeekday && active > 0) {
      for (const userId of usersInUse) if (random.chance(0.4 * Math.min(1, active))) emit('engagement.email_opened', workTime(), { campaign: `newsletter-${day}` }, userId);
    }
    if ((day + touchOffset) % touchInterval === 0) emit('csm.touchpoint', dayMs + 15 * HOUR_MS, { kind: random.pick(['call', 'meeting', 'email', 'qbr']) });

    // Renewal: the staying account signs for another year.
    if (day === renewalDay) {
      const nextRenewal = isoDay(dayMs + 365 * DAY_MS);
      emit('account.renewed', dayMs + 11 * HOUR_MS, { renewalDate: nextRenewal, mrr: currentSeats * PLANS[plan].pricePerSeat });
      emit('subscription.changed', dayMs + 11 * HOUR_MS + MINUTE_MS, { plan, seats: currentSeats, mrr: currentSeats * PLANS[plan].pricePerSeat, renewalDate: nextRenewal, limits: { api_calls: apiLimit } });
    }

    // NPS.
    if (script.nps && script.nps.day === day && day <= lastActiveDay) {
      emit('nps.responded', dayMs + 16 * HOUR_MS, { score: script.nps.score, ...(script.nps.score <= 6 ? { comment: 'too slow and too many issues' } : {}) }, someone());
    }

    // Billing: a monthly payment; the payment-failure account fails (and retries) before it recovers.
    const failure = script.paymentFailure;
    if (failure && day === failure.failDay) emit('billing.payment_failed', dayMs + 4 * HOUR_MS, { attempt: 1 });
    else if (failure && day === failure.failDay + 2 && day < failure.recoverDay) emit('billing.payment_failed', dayMs + 4 * HOUR_MS, { attempt: 2 });
    else if (failure && day === failure.recoverDay) emit('billing.payment_succeeded', dayMs + 4 * HOUR_MS, { amount: mrr });
    else if (day % 30 === billingDay && !(failure && day > failure.failDay && day < failure.recoverDay)) emit('billing.payment_succeeded', dayMs + 4 * HOUR_MS, { amount: mrr });
  }

  const at = (day: number | null, hour: number) => (day === null ? null : new Date(startMs + day * DAY_MS + hour * HOUR_MS).toISOString());
  const trouble = script.trouble
    ? { kind: script.trouble.kind, from: at(script.trouble.fromDay, script.trouble.fromHour) as string, until: at(script.trouble.untilDay, 4) }
    : null;
  return {
    account: {
      accountId,
      archetype,
      csmId,
      plan,
      seats,
      mrr,
      delivery,
      outcome: {
        churnedAt: at(script.churnDay, 12),
        trouble,
        expansionSignalsFrom: at(script.expansionDay, 0),
        expandedAt: at(script.expandedDay, 10),
        reactivatedAt: at(script.reactivateDay, 2),
        renewedAt: at(renewalDay, 11),
        seatsCutAt: at(script.seatCut?.day ?? null, 3),
        firstEventAt: new Date(firstDayMs + MINUTE_MS).toISOString(),
      },
    },
    events,
  };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
