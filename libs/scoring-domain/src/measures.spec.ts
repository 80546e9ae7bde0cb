import { billing, featureAdoption, onboarding, productUsage, sentiment, support } from './measures';
import { defaultScorecard } from './scorecard';
import type { Signals } from './signals';

const base: Signals = {
  asOfDay: 20_000,
  eventsLast7: 70,
  eventsLast30: 300,
  weeklyBaseline: 70,
  activityTrend: 1,
  activeUsers7: 6,
  activeUsers30: 8,
  seats: 10,
  keyFeaturesUsed30: 5,
  ticketsLast30: 0,
  nps: null,
  billingTrouble: [],
  onboarding: { inOnboarding: false, completed: 4, required: 4 },
  daysSinceLastEvent: 0,
  activityDaysObserved: 200,
  daysSinceStart: 300,
};
const signals = (overrides: Partial<Signals>): Signals => ({ ...base, ...overrides });

describe('product_usage', () => {
  it.each([
    ['6 of 10 seats weekly (the 60% target) and steady activity', {}, 100],
    ['3 of 10 seats, steady', { activeUsers7: 3 }, 75],
    ['full breadth, activity halved', { activityTrend: 0.5 }, 75],
    ['no baseline yet but active', { activityTrend: null, weeklyBaseline: null }, 85],
    ['silent: nobody, no activity', { activeUsers7: 0, activityTrend: 0, eventsLast7: 0 }, 0],
  ])('%s → %i', (_, overrides, score) => {
    expect(productUsage(signals(overrides), defaultScorecard).score).toBe(score);
  });
});

describe('feature_adoption', () => {
  it.each([
    [5, 100],
    [4, 80],
    [0, 0],
  ])('%i of 5 key features → %i', (used, score) => {
    expect(featureAdoption(signals({ keyFeaturesUsed30: used }), defaultScorecard).score).toBe(score);
  });
});

describe('support', () => {
  it.each([
    [0, 100],
    [1, 80],
    [5, 0],
    [7, 0],
  ])('%i tickets in 30 days → %i', (tickets, score) => {
    expect(support(signals({ ticketsLast30: tickets }), defaultScorecard).score).toBe(score);
  });

  it('scores a silent account neutral, not perfect', () => {
    expect(support(signals({ eventsLast30: 0, ticketsLast30: 0 }), defaultScorecard).score).toBe(60);
  });
});

describe('sentiment', () => {
  it.each([
    [null, 60],
    [{ score: 10, day: 19_990 }, 100],
    [{ score: 6, day: 19_990 }, 60],
    [{ score: 0, day: 19_990 }, 0],
  ])('NPS %j → %i', (nps, score) => {
    expect(sentiment(signals({ nps })).score).toBe(score);
  });
});

describe('billing', () => {
  it.each([
    [[], 100],
    [['payment_failed'], 20],
    [['invoice_overdue'], 30],
    [['downgrade_requested'], 40],
    [['downgrade_requested', 'payment_failed'], 20],
  ] as const)('%j → %i', (trouble, score) => {
    expect(billing(signals({ billingTrouble: [...trouble] })).score).toBe(score);
  });
});

describe('onboarding', () => {
  it.each([
    [{ inOnboarding: false, completed: 0, required: 4 }, 100],
    [{ inOnboarding: true, completed: 1, required: 4 }, 25],
    [{ inOnboarding: true, completed: 0, required: 4 }, 0],
  ])('%j → %i', (state, score) => {
    expect(onboarding(signals({ onboarding: state }), defaultScorecard).score).toBe(score);
  });
});

describe('insufficient data (issue 15): which measures have no opinion, and when', () => {
  const lacksData = (result: { insufficientData?: true }) => result.insufficientData === true;
  const young = (days: number | null, overrides: Partial<Signals> = {}) => signals({ activityDaysObserved: days, ...overrides });

  it('usage and adoption need 14 days of product activity since the first one', () => {
    expect(lacksData(productUsage(young(null), defaultScorecard))).toBe(true);
    expect(lacksData(productUsage(young(13), defaultScorecard))).toBe(true);
    expect(lacksData(productUsage(young(14), defaultScorecard))).toBe(false);
    expect(lacksData(featureAdoption(young(13), defaultScorecard))).toBe(true);
    expect(lacksData(featureAdoption(young(14), defaultScorecard))).toBe(false);
    // The provisional reading is kept and the explanation says why it does not count.
    expect(productUsage(young(3), defaultScorecard)).toMatchObject({ score: 100, explanation: expect.stringMatching(/^insufficient data \(3 of 14 days of product activity observed\)/) });
  });

  it('support: a ticket is data at once; no tickets needs the 14 days', () => {
    expect(lacksData(support(young(3, { ticketsLast30: 0 }), defaultScorecard))).toBe(true);
    expect(support(young(3, { ticketsLast30: 2 }), defaultScorecard)).toEqual({ score: 60, explanation: '2 support tickets in 30 days' });
    expect(lacksData(support(young(14, { ticketsLast30: 0 }), defaultScorecard))).toBe(false);
  });

  it('sentiment without an NPS answer, and onboarding in its first 14 days, have no opinion; billing always has one', () => {
    expect(lacksData(sentiment(signals({ nps: null })))).toBe(true);
    expect(lacksData(sentiment(signals({ nps: { score: 7, day: 19_990 } })))).toBe(false);
    const onboardingOn = (daysSinceStart: number | null) => onboarding(signals({ daysSinceStart, onboarding: { inOnboarding: true, completed: 0, required: 4 } }), defaultScorecard);
    expect(lacksData(onboardingOn(0))).toBe(true);
    expect(lacksData(onboardingOn(13))).toBe(true);
    expect(onboardingOn(14)).toEqual({ score: 0, explanation: '0 of 4 onboarding milestones done' });
    expect(lacksData(billing(young(null)))).toBe(false);
  });
});
