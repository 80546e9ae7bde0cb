import { churnFeatureValues, churnProbability, churnRiskDrivers, isLearnedModelUsable, type ChurnInputs, type LearnedChurnModel } from './churn-model';
import { defaultScorecard, type Scorecard } from './scorecard';

const calm: ChurnInputs = {
  health: 80,
  billingTrouble: false,
  detractor: false,
  steepDecline: false,
  longDecline: 0,
  championLost: false,
  activityTrend: 1,
  activeUsers30: 4,
  seats: 8,
  tickets30: 0,
};

/** A learned model reading only billing trouble and the active-user share. */
function learned(overrides: Partial<LearnedChurnModel['trainedOn']> = {}): LearnedChurnModel {
  return {
    version: 'learned-test-1',
    features: ['billing_trouble', 'active_user_share'],
    coefficients: { billing_trouble: 2, active_user_share: -1 },
    intercept: -1,
    standardisation: { billing_trouble: { mean: 0.5, scale: 0.5 }, active_user_share: { mean: 0.5, scale: 0.25 } },
    trainedOn: { churned: 40, retained: 60, horizonDays: 30, cutDate: '2026-05-01T00:00:00.000Z', l2: 1, ...overrides },
    metrics: {},
  };
}

describe('churn model', () => {
  it('scores the documented default as before: intercept −1, health −0.9 per 10 above 50, billing trouble +1.2', () => {
    // z = −1 − 0.9 × 3 + 1.2 = −2.5 → 1 / (1 + e^2.5) = 0.0759…
    expect(churnProbability(defaultScorecard, { ...calm, billingTrouble: true })).toBe(0.076);
  });

  it('caps and defaults the extra features: trend at 2 (1 without a baseline), share at 1 (1 without seats), tickets at 20', () => {
    expect(churnFeatureValues({ ...calm, activityTrend: 5, seats: 2, activeUsers30: 9, tickets30: 50 })).toMatchObject({ activity_trend: 2, active_user_share: 1, tickets_30: 20 });
    expect(churnFeatureValues({ ...calm, activityTrend: null, seats: null })).toMatchObject({ activity_trend: 1, active_user_share: 1 });
  });

  it('uses a learned model with enough examples per class: standardised features, its coefficients', () => {
    const scorecard: Scorecard = { ...defaultScorecard, learnedChurnModel: learned() };
    // billing (1 − 0.5) / 0.5 = 1 → +2; share 0.5 → (0.5 − 0.5) / 0.25 = 0 → 0; z = −1 + 2 = 1 → 0.731
    expect(churnProbability(scorecard, { ...calm, billingTrouble: true })).toBe(0.731);
    // no billing trouble: (0 − 0.5) / 0.5 = −1 → −2; share 8/8: (1 − 0.5) / 0.25 = 2 → −2; z = −1 − 2 − 2 = −5
    expect(churnProbability(scorecard, { ...calm, activeUsers30: 8 })).toBe(Math.round((1 / (1 + Math.exp(5))) * 1000) / 1000);
  });

  it('falls back to the default while the learned model has fewer examples of a class than the minimum', () => {
    const few: Scorecard = { ...defaultScorecard, learnedChurnModel: learned({ churned: 29 }) };
    expect(churnProbability(few, calm)).toBe(churnProbability(defaultScorecard, calm));
    expect(isLearnedModelUsable(learned({ churned: 29 }))).toBe(false);
    // The minimum is the scorecard's to set.
    const lowered: Scorecard = { ...few, minChurnOutcomesPerClass: 10 };
    expect(churnProbability(lowered, calm)).not.toBe(churnProbability(defaultScorecard, calm));
  });

  it('names the learned coefficients among the drivers, largest contribution first', () => {
    const scorecard: Scorecard = { ...defaultScorecard, learnedChurnModel: learned() };
    const drivers = churnRiskDrivers(scorecard, { ...calm, billingTrouble: true, activeUsers30: 1 });
    expect(drivers.modelVersion).toBe('learned-test-1');
    // billing +2; share 1/8 → (0.125 − 0.5) / 0.25 = −1.5 → +1.5
    expect(drivers.drivers.map((driver) => [driver.feature, driver.coefficient, driver.contribution])).toEqual([
      ['billing_trouble', 2, 2],
      ['active_user_share', -1, 1.5],
    ]);
    // The default's drivers name its coefficients, without the features it does not weigh.
    const fallback = churnRiskDrivers(defaultScorecard, { ...calm, billingTrouble: true });
    expect(fallback.modelVersion).toBeNull();
    expect(fallback.drivers.map((driver) => driver.feature)).toEqual(['health_per_10', 'billing_trouble']);
  });
});
