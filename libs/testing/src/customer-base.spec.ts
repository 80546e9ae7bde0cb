import { createAjv, eventLimits, ingestEventsRequestSchema } from '@bellwether/contracts';
import { backtestArchetypeMix, customerArchetypes, defaultArchetypeMix, generateCustomerBase, maxDeliveryDelayMs, maxPromptDelayMs, minBulkDelayMs, type CustomerBase, type SimulatedEvent } from './customer-base';
import { DAY_MS } from '@bellwether/contracts';

const nowMs = Date.parse('2026-03-01T12:34:56Z');
const options = { seed: 7, accounts: 21, days: 40, nowMs, eventsPerActiveUser: 2, seats: [3, 6] as const };
const base = generateCustomerBase(options);
const ms = (iso: string) => Date.parse(iso);
const eventsOf = (accountId: string): SimulatedEvent[] => base.events.filter(({ event }) => event.accountId === accountId).map(({ event }) => event);
const byEventTime = (events: SimulatedEvent[]) => [...events].sort((a, b) => ms(a.timestamp) - ms(b.timestamp));
const accountsOf = (archetype: string) => base.accounts.filter((account) => account.archetype === archetype);

describe('generateCustomerBase', () => {
  it('is a pure function of its options: the same seed gives the same base, another seed another', () => {
    expect(generateCustomerBase(options)).toEqual(base);
    const other = generateCustomerBase({ ...options, seed: 8 });
    expect(other.events.length).not.toBe(base.events.length);
    expect(other.accounts.map((account) => account.archetype)).not.toEqual(base.accounts.map((account) => account.archetype));
  });

  it('covers D days ending 5 days before now, with every event time and arrival in the past', () => {
    expect(base.startTime).toBe('2026-01-15T00:00:00.000Z');
    expect(ms(base.endTime) - ms(base.startTime)).toBe(40 * DAY_MS);
    expect(ms(base.endTime)).toBe(Date.parse('2026-02-24T00:00:00Z'));
    for (const { arrivedAt, event } of base.events) {
      expect(ms(event.timestamp)).toBeGreaterThanOrEqual(ms(base.startTime));
      expect(ms(event.timestamp)).toBeLessThan(ms(base.endTime));
      expect(ms(arrivedAt)).toBeLessThan(nowMs);
    }
  });

  it('lists the events in arrival order, and no event arrives before its time or more than 40 h after it', () => {
    const arrivals = base.events.map(({ arrivedAt }) => ms(arrivedAt));
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    const delays = base.events.map(({ arrivedAt, event }) => ms(arrivedAt) - ms(event.timestamp));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(maxDeliveryDelayMs);
  });

  it('delivers ordinary accounts within minutes, and a late reporter’s product events in daily bulks 1–40 h late', () => {
    const late = new Set(base.accounts.filter((account) => account.delivery === 'daily_bulk').map((account) => account.accountId));
    expect(late.size).toBeGreaterThan(0);
    const productTypes = new Set(['session.started', 'feature.used', 'feature.gated', 'page.viewed', 'usage.reported']);
    const bulkArrivals = new Map<string, Set<string>>();
    for (const { arrivedAt, event } of base.events) {
      const delay = ms(arrivedAt) - ms(event.timestamp);
      if (late.has(event.accountId) && productTypes.has(event.type)) {
        expect(delay).toBeGreaterThanOrEqual(minBulkDelayMs);
        expect(delay).toBeLessThanOrEqual(maxDeliveryDelayMs);
        const arrivalsOfAccount = bulkArrivals.get(event.accountId) ?? new Set<string>();
        bulkArrivals.set(event.accountId, arrivalsOfAccount.add(arrivedAt));
      } else {
        expect(delay).toBeLessThanOrEqual(maxPromptDelayMs);
      }
    }
    // Bulks: about one delivery moment per day, not one per event.
    for (const [accountId, moments] of bulkArrivals) {
      expect(moments.size).toBeLessThanOrEqual(base.days + 2);
      expect(eventsOf(accountId).filter((event) => productTypes.has(event.type)).length).toBeGreaterThan(moments.size * 2);
    }
    // Some late reporter's events span more than a day between event time and arrival.
    const longest = Math.max(...base.events.filter(({ event }) => late.has(event.accountId)).map(({ arrivedAt, event }) => ms(arrivedAt) - ms(event.timestamp)));
    expect(longest).toBeGreaterThan(24 * 3_600_000);
  });

  it('gives the first seven accounts one archetype each (the default mix is issue 14\'s seven)', () => {
    expect(new Set(base.accounts.slice(0, 7).map((account) => account.archetype))).toEqual(new Set(Object.keys(defaultArchetypeMix)));
  });

  it('starts every account with its trusted contract and owner: plan, seats, MRR, renewal date, csmId', () => {
    for (const account of base.accounts) {
      const [first, second] = byEventTime(eventsOf(account.accountId));
      expect(first).toMatchObject({ type: 'subscription.changed', properties: { plan: account.plan, seats: account.seats, mrr: account.mrr } });
      expect(typeof first?.properties['renewalDate']).toBe('string');
      expect(second).toMatchObject({ type: 'account.updated', properties: { traits: { csmId: account.csmId } } });
      // …and they arrive before anything else of the account.
      const arrivalOrder = base.events.filter(({ event }) => event.accountId === account.accountId).map(({ event }) => event.type);
      expect(arrivalOrder.slice(0, 2)).toEqual(['subscription.changed', 'account.updated']);
    }
  });

  it('ends churners with account.churned and nothing after it; nobody else churns', () => {
    for (const account of base.accounts) {
      const events = byEventTime(eventsOf(account.accountId));
      const churned = events.filter((event) => event.type === 'account.churned');
      if (account.archetype === 'declining_churn' || account.archetype === 'silent_churn') {
        expect(churned).toHaveLength(1);
        expect(events.at(-1)?.type).toBe('account.churned');
        expect(account.outcome.churnedAt).toBe(churned[0]?.timestamp);
      } else {
        expect([churned.length, account.outcome.churnedAt]).toEqual([0, null]);
      }
    }
  });

  it('makes a declining account fade out and a silent one stop at once before churning', () => {
    const activity = (events: SimulatedEvent[], fromMs: number, toMs: number) => events.filter((event) => event.type === 'session.started' && ms(event.timestamp) >= fromMs && ms(event.timestamp) < toMs).length;
    for (const account of accountsOf('declining_churn')) {
      const events = eventsOf(account.accountId);
      const from = ms(account.outcome.trouble?.from ?? '');
      expect(account.outcome.trouble?.kind).toBe('decline');
      const churnedAt = ms(account.outcome.churnedAt ?? '');
      expect(activity(events, from - 7 * DAY_MS, from)).toBeGreaterThan(3 * activity(events, churnedAt - 7 * DAY_MS, churnedAt));
    }
    for (const account of accountsOf('silent_churn')) {
      const events = eventsOf(account.accountId);
      const from = ms(account.outcome.trouble?.from ?? '');
      expect(activity(events, from - 7 * DAY_MS, from)).toBeGreaterThan(0);
      expect(activity(events, from, ms(base.endTime))).toBe(0);
    }
  });

  it('gives a payment failure a later payment_succeeded, and a detractor an NPS of 6 or less', () => {
    for (const account of accountsOf('payment_failure')) {
      const billing = byEventTime(eventsOf(account.accountId)).filter((event) => event.type.startsWith('billing.'));
      const failed = billing.findIndex((event) => event.type === 'billing.payment_failed');
      const recovered = billing.findIndex((event, index) => index > failed && event.type === 'billing.payment_succeeded');
      expect(failed).toBeGreaterThanOrEqual(0);
      expect(recovered).toBeGreaterThan(failed);
      const gapDays = (ms(billing[recovered]?.timestamp ?? '') - ms(billing[failed]?.timestamp ?? '')) / DAY_MS;
      expect(gapDays).toBeGreaterThanOrEqual(3);
      expect(account.outcome.trouble).toEqual({ kind: 'payment_failed', from: billing[failed]?.timestamp, until: billing[recovered]?.timestamp });
    }
    for (const account of accountsOf('nps_detractor')) {
      const answers = eventsOf(account.accountId).filter((event) => event.type === 'nps.responded');
      expect(answers).toHaveLength(1);
      expect(answers[0]?.properties['score']).toBeLessThanOrEqual(6);
      expect(account.outcome.trouble).toEqual({ kind: 'detractor', from: answers[0]?.timestamp, until: null });
    }
    // Nobody else is a detractor.
    const otherScores = base.events.filter(({ event }) => event.type === 'nps.responded' && !accountsOf('nps_detractor').some((account) => account.accountId === event.accountId));
    for (const { event } of otherScores) expect(event.properties['score']).toBeGreaterThanOrEqual(7);
  });

  it('shows expansion signals: repeated pricing views, gated features and usage near the limit, then account.expanded', () => {
    for (const account of accountsOf('expanding')) {
      const events = eventsOf(account.accountId);
      const from = ms(account.outcome.expansionSignalsFrom ?? '');
      const after = events.filter((event) => ms(event.timestamp) >= from);
      expect(after.filter((event) => event.type === 'page.viewed' && String(event.properties['path']).match(/^\/(pricing|plans|upgrade)$/)).length).toBeGreaterThanOrEqual(3);
      expect(after.filter((event) => event.type === 'feature.gated').length).toBeGreaterThanOrEqual(1);
      const usage = after.filter((event) => event.type === 'usage.reported').map((event) => Number(event.properties['value']) / Number(event.properties['limit']));
      expect(Math.max(...usage)).toBeGreaterThanOrEqual(0.9);
      expect(events.filter((event) => event.type === 'account.expanded').map((event) => event.timestamp)).toEqual([account.outcome.expandedAt]);
    }
  });

  it('leaves seats unused on ordinary accounts, while an expanding one grows into all of its seats', () => {
    const bigger = generateCustomerBase({ ...options, accounts: 14, seats: [10, 20] });
    const usersIn30Days = (accountId: string, untilMs: number) =>
      new Set(bigger.events.filter(({ event }) => event.accountId === accountId && event.userId && ms(event.timestamp) < untilMs && ms(event.timestamp) >= untilMs - 30 * DAY_MS).map(({ event }) => event.userId)).size;
    for (const account of bigger.accounts) {
      const endMs = account.outcome.expandedAt ? ms(account.outcome.expandedAt) : ms(bigger.endTime);
      const used = usersIn30Days(account.accountId, endMs) / account.seats;
      if (account.archetype === 'expanding') expect(used).toBeGreaterThanOrEqual(0.9);
      else expect(used).toBeLessThan(0.9);
    }
  });

  it('has a weekday/weekend rhythm for a healthy account', () => {
    const sessions = base.accounts.filter((account) => account.archetype === 'healthy').flatMap((account) => eventsOf(account.accountId).filter((event) => event.type === 'session.started'));
    const weekend = sessions.filter((event) => [0, 6].includes(new Date(event.timestamp).getUTCDay())).length;
    // Two weekend days a week at a fifth of the weekday level: well under a tenth of the sessions.
    expect(weekend / sessions.length).toBeLessThan(0.12);
    expect(weekend).toBeGreaterThan(0);
  });

  it('posts as valid native batches: unique ids, known shapes, within the per-event size', () => {
    const validate = createAjv().compile(ingestEventsRequestSchema);
    const events = base.events.map(({ event }) => event);
    for (let offset = 0; offset < events.length; offset += eventLimits.maxEventsPerBatch) {
      const batch = { events: events.slice(offset, offset + eventLimits.maxEventsPerBatch) };
      expect([validate(batch), validate.errors]).toEqual([true, null]);
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    for (const event of events) expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(eventLimits.maxEventBytes);
  });

  it('refuses options out of range', () => {
    expect(() => generateCustomerBase({ ...options, accounts: 0 })).toThrow('accounts must be an integer ≥ 1');
    expect(() => generateCustomerBase({ ...options, days: 13 })).toThrow('days must be an integer ≥ 14');
    expect(() => generateCustomerBase({ ...options, seats: [4, 2] })).toThrow('seats must be integers');
    expect(() => generateCustomerBase({ ...options, mix: {} })).toThrow('every archetype a weight of 0');
  });

  it('follows the mix: a mix of one archetype gives only that one', () => {
    const healthyOnly: CustomerBase = generateCustomerBase({ ...options, accounts: 10, mix: { healthy: 1 } });
    expect(healthyOnly.accounts.map((account) => account.archetype)).toEqual(Array(10).fill('healthy'));
  });
});

describe('generateCustomerBase with the backtest mix (issue 15)', () => {
  const backtest = generateCustomerBase({ seed: 'shapes', accounts: 100, days: 180, nowMs, eventsPerActiveUser: 2, seats: [6, 12], mix: backtestArchetypeMix, accountsPerCsm: 50 });
  const byAccount = new Map<string, SimulatedEvent[]>();
  for (const { event } of backtest.events) {
    const list = byAccount.get(event.accountId);
    if (list) list.push(event);
    else byAccount.set(event.accountId, [event]);
  }
  const eventsIn = (accountId: string) => byAccount.get(accountId) ?? [];
  const inTimeOrder = (accountId: string) => byEventTime(eventsIn(accountId));
  const membersOf = (archetype: string) => {
    const members = backtest.accounts.filter((account) => account.archetype === archetype);
    if (members.length === 0) throw new Error(`no ${archetype} in the base`);
    return members;
  };
  const productTypes = new Set(['session.started', 'feature.used', 'page.viewed', 'feature.gated']);
  const weeklyActivity = (events: SimulatedEvent[], endMs: number, weeks: number) =>
    Array.from({ length: weeks }, (_, week) => {
      const fromMs = endMs - (weeks - week) * 7 * DAY_MS;
      return events.filter((event) => productTypes.has(event.type) && ms(event.timestamp) >= fromMs && ms(event.timestamp) < fromMs + 7 * DAY_MS).length;
    });

  it('has every archetype, and spreads the accounts over CSMs of 50 accounts each', () => {
    expect(new Set(backtest.accounts.map((account) => account.archetype))).toEqual(new Set(customerArchetypes));
    const perCsm = new Map<string, number>();
    for (const account of backtest.accounts) perCsm.set(account.csmId, (perCsm.get(account.csmId) ?? 0) + 1);
    expect([...perCsm.values()]).toEqual([50, 50]);
  });

  it('slides a slow decline over 60–90 days: weekly activity falls week over week (in 3-week steps) to under 40 %, then account.churned', () => {
    for (const account of membersOf('slow_decline')) {
      const events = inTimeOrder(account.accountId);
      const churnMs = ms(account.outcome.churnedAt ?? '');
      const fromMs = ms(account.outcome.trouble?.from ?? '');
      expect(account.outcome.trouble?.kind).toBe('decline');
      expect(churnMs - fromMs).toBeGreaterThanOrEqual(60 * DAY_MS);
      expect(events.at(-1)?.type).toBe('account.churned');
      // Nine weeks of the slide, summed in three-week steps (a week alone is noisy): each step lower.
      const weekly = weeklyActivity(events, fromMs + 63 * DAY_MS, 9);
      const steps = [0, 1, 2].map((step) => weekly.slice(step * 3, step * 3 + 3).reduce((sum, n) => sum + n, 0));
      expect(steps[1]).toBeLessThan(steps[0] as number);
      expect(steps[2]).toBeLessThan(steps[1] as number);
      const lastWeeks = weeklyActivity(events, churnMs, 2).reduce((sum, n) => sum + n, 0) / 2;
      const firstWeeks = weeklyActivity(events, fromMs, 2).reduce((sum, n) => sum + n, 0) / 2;
      expect(lastWeeks).toBeLessThan(0.4 * firstWeeks);
      // Neutral tickets and no NPS.
      expect(events.filter((event) => event.type === 'nps.responded')).toEqual([]);
      expect(events.filter((event) => event.type === 'support.ticket_opened' && event.properties['sentiment'] !== undefined)).toEqual([]);
    }
  });

  it('cuts a contraction\'s seats, after which the users beyond the new seats are gone and those left stay under 90 % of them', () => {
    for (const account of membersOf('seat_contraction')) {
      const events = inTimeOrder(account.accountId);
      const cutMs = ms(account.outcome.seatsCutAt ?? '');
      const cut = events.find((event) => event.type === 'subscription.changed' && ms(event.timestamp) === cutMs);
      const newSeats = cut?.properties['seats'] as number;
      expect(newSeats).toBeLessThan(account.seats);
      const usersAfter = new Set(events.filter((event) => event.userId && productTypes.has(event.type) && ms(event.timestamp) > cutMs).map((event) => event.userId));
      expect(usersAfter.size).toBeLessThanOrEqual(Math.round(newSeats * 0.75));
      expect(usersAfter.size).toBeLessThan(0.9 * newSeats);
      const usersBefore = new Set(events.filter((event) => event.userId && productTypes.has(event.type) && ms(event.timestamp) < cutMs && ms(event.timestamp) > cutMs - 30 * DAY_MS).map((event) => event.userId));
      expect(usersBefore.size).toBeGreaterThan(usersAfter.size);
      expect(account.outcome.churnedAt).toBeNull();
    }
  });

  it('brings a reactivated account back with a new subscription after its churn, and nothing in between', () => {
    for (const account of membersOf('reactivated')) {
      const events = inTimeOrder(account.accountId);
      const churnMs = ms(account.outcome.churnedAt ?? '');
      const backMs = ms(account.outcome.reactivatedAt ?? '');
      expect(backMs).toBeGreaterThan(churnMs);
      expect(events.filter((event) => ms(event.timestamp) > churnMs && ms(event.timestamp) < backMs)).toEqual([]);
      const back = events.find((event) => ms(event.timestamp) === backMs);
      expect(back).toMatchObject({ type: 'subscription.changed', properties: { startDate: (account.outcome.reactivatedAt ?? '').slice(0, 10) } });
      expect(events.filter((event) => event.type === 'session.started' && ms(event.timestamp) > backMs).length).toBeGreaterThan(10);
    }
  });

  it('begins a mid-contract history with account.updated before any usage, its contract 400 days older', () => {
    for (const account of membersOf('mid_contract')) {
      const [first, second] = inTimeOrder(account.accountId);
      expect(first).toMatchObject({ type: 'account.updated', properties: { traits: { csmId: account.csmId } } });
      expect(second?.type).toBe('subscription.changed');
      const firstDayMs = Math.floor(ms(first?.timestamp ?? '') / DAY_MS) * DAY_MS;
      expect(ms(`${String(second?.properties['startDate'])}T00:00:00Z`)).toBe(firstDayMs - 400 * DAY_MS);
      expect(account.outcome.firstEventAt).toBe(first?.timestamp);
    }
  });

  it('starts a stalled onboarding on its contract\'s first day and lets it fade to a trickle', () => {
    for (const account of membersOf('stalled_onboarding')) {
      const events = inTimeOrder(account.accountId);
      expect(events[0]?.properties['startDate']).toBe(events[0]?.timestamp.slice(0, 10));
      const stallMs = ms(account.outcome.trouble?.from ?? '');
      const before = weeklyActivity(events, stallMs, 1)[0] as number;
      const after = weeklyActivity(events, stallMs + 5 * 7 * DAY_MS, 2);
      expect(Math.max(...after)).toBeLessThan(Math.max(1, before));
    }
  });

  it('makes a champion the most active user until it leaves, and never seen after; the account churns later', () => {
    for (const account of membersOf('lost_champion')) {
      const events = inTimeOrder(account.accountId);
      const leftMs = ms(account.outcome.trouble?.from ?? '');
      const counts = new Map<string, number>();
      for (const event of events) if (event.userId && ms(event.timestamp) < leftMs) counts.set(event.userId, (counts.get(event.userId) ?? 0) + 1);
      const [top] = [...counts].sort((a, b) => b[1] - a[1]);
      expect(top?.[0]).toBe(`${account.accountId}.u1`);
      expect(events.filter((event) => event.userId === `${account.accountId}.u1` && ms(event.timestamp) >= leftMs)).toEqual([]);
      expect(ms(account.outcome.churnedAt ?? '') - leftMs).toBeGreaterThanOrEqual(40 * DAY_MS);
    }
  });

  it('gives noisy support many more tickets than a steady account, and it stays', () => {
    const tickets = (archetype: string) => membersOf(archetype).reduce((sum, account) => sum + eventsIn(account.accountId).filter((event) => event.type === 'support.ticket_opened').length, 0) / membersOf(archetype).length;
    expect(tickets('noisy_support')).toBeGreaterThan(5 * tickets('healthy'));
    for (const account of membersOf('noisy_support')) expect(account.outcome.churnedAt).toBeNull();
  });

  it('renews staying accounts whose date falls in the window, and only those', () => {
    const renewed = backtest.accounts.filter((account) => account.outcome.renewedAt !== null);
    expect(renewed.length).toBeGreaterThan(5);
    for (const account of backtest.accounts) {
      const renewals = eventsIn(account.accountId).filter((event) => event.type === 'account.renewed');
      expect(renewals.map((event) => event.timestamp)).toEqual(account.outcome.renewedAt ? [account.outcome.renewedAt] : []);
      if (account.outcome.renewedAt) expect(account.outcome.churnedAt).toBeNull();
    }
  });

  it('is quiet on public holidays', () => {
    const sessionsOn = (day: string) => backtest.events.filter(({ event }) => event.type === 'session.started' && event.timestamp.startsWith(day)).length;
    // 2025-11-26 is a Wednesday and a holiday here; the Wednesday before is not.
    expect(sessionsOn('2025-11-26')).toBeLessThan(0.4 * sessionsOn('2025-11-19'));
  });
});

