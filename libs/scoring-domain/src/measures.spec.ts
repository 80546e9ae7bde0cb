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
