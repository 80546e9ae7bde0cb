import { scorecardFromConfig } from './scorecard-config';

describe('scorecardFromConfig', () => {
  it('lays a versioned configuration over the default scorecard', () => {
    const result = scorecardFromConfig({ version: 'acme-2026.2', weights: { support: 0, sentiment: 30 }, bands: { green: 75 } });
    expect(result.ok && result.scorecard).toMatchObject({ version: 'acme-2026.2', weights: { support: 0, sentiment: 30, product_usage: 30 }, bands: { green: 75, yellow: 40 } });
  });

  it('names every bad field', () => {
    const result = scorecardFromConfig({ weights: { usage: 10, billing: -1 }, bands: { green: 30, yellow: 50 }, colour: 'red' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([
        'colour: is not a scorecard field',
        'version: is required (a string naming this scorecard)',
        'weights.billing: must be a number ≥ 0',
        'weights.usage: is not a measure (product_usage, feature_adoption, support, sentiment, billing, onboarding, usage_level, champion)',
        'bands.yellow: must be a number ≥ 0 and below bands.green',
      ]);
    }
  });

  it('refuses weights that add up to nothing', () => {
    const zero = { product_usage: 0, feature_adoption: 0, support: 0, sentiment: 0, billing: 0, onboarding: 0, usage_level: 0, champion: 0 };
    expect(scorecardFromConfig({ version: 'x', weights: zero })).toEqual({ ok: false, problems: ['weights: must add up to more than 0'] });
  });

  it('takes signal settings, checking their kinds', () => {
    const result = scorecardFromConfig({ version: 'x', signals: { pricingPaths: ['/billing/plans'], escalationTopics: ['outage'] } });
    expect(result.ok && result.scorecard.signals).toMatchObject({ pricingPaths: ['/billing/plans'], escalationTopics: ['outage'], escalationSeverities: ['high', 'urgent', 'critical'] });
    expect(scorecardFromConfig({ version: 'x', signals: { pricingPaths: '/pricing', onboardingDays: -1, colour: 1 } })).toEqual({
      ok: false,
      problems: ['signals.pricingPaths: must be a list of non-empty strings', 'signals.onboardingDays: must be a number ≥ 0', 'signals.colour: is not a signal setting'],
    });
  });

  describe('a learned churn model (the JSON npm run train-churn-model writes)', () => {
    const model = {
      version: 'churn-1',
      features: ['billing_trouble', 'health_per_10'],
      coefficients: { billing_trouble: 0.8, health_per_10: -0.5 },
      intercept: -2,
      standardisation: { billing_trouble: { mean: 0.1, scale: 0.3 }, health_per_10: { mean: 2, scale: 1.5 } },
      trainedOn: { churned: 40, retained: 200, horizonDays: 30, cutDate: '2026-05-01T00:00:00.000Z', l2: 1 },
      metrics: { holdOut: { learned: { auc: 0.9 } } },
    };

    it('carries it, and the minimum of outcomes per class', () => {
      const result = scorecardFromConfig({ version: 'x', learnedChurnModel: model, minChurnOutcomesPerClass: 50 });
      expect(result.ok && result.scorecard).toMatchObject({ learnedChurnModel: model, minChurnOutcomesPerClass: 50 });
      // Without one, the scorecard has none (the default model scores).
      const plain = scorecardFromConfig({ version: 'x' });
      expect(plain.ok && plain.scorecard.learnedChurnModel).toBeUndefined();
    });

    it.each([
      ['not an object', [], ['learnedChurnModel: must be a JSON object']],
      ['no version', { ...model, version: '' }, ['learnedChurnModel.version: is required (a string naming this model)']],
      ['an unknown feature', { ...model, features: ['billing_trouble', 'mood'] }, ['learnedChurnModel.features[1]: is not a churn feature (health_per_10, billing_trouble, detractor, steep_decline, long_decline, champion_lost, activity_trend, active_user_share, tickets_30)', 'learnedChurnModel.coefficients.health_per_10: is not one of the model\'s features']],
      ['a feature twice', { ...model, features: ['billing_trouble', 'billing_trouble'], coefficients: { billing_trouble: 1 } }, ['learnedChurnModel.features[1]: billing_trouble is listed twice']],
      ['no features', { ...model, features: [] }, ['learnedChurnModel.features: must be a non-empty list of health_per_10, billing_trouble, detractor, steep_decline, long_decline, champion_lost, activity_trend, active_user_share, tickets_30', 'learnedChurnModel.coefficients.billing_trouble: is not one of the model\'s features', 'learnedChurnModel.coefficients.health_per_10: is not one of the model\'s features']],
      ['a coefficient that is not a number', { ...model, coefficients: { ...model.coefficients, health_per_10: 'high' } }, ['learnedChurnModel.coefficients.health_per_10: must be a finite number']],
      ['a zero scale', { ...model, standardisation: { ...model.standardisation, billing_trouble: { mean: 0, scale: 0 } } }, ['learnedChurnModel.standardisation.billing_trouble: must be { mean: a finite number, scale: a number > 0 }']],
      ['no intercept', { ...model, intercept: null }, ['learnedChurnModel.intercept: must be a finite number']],
      ['bad class counts and cut', { ...model, trainedOn: { ...model.trainedOn, churned: -1, retained: 2.5, horizonDays: 0, cutDate: 'May', l2: -1 } }, [
        'learnedChurnModel.trainedOn.churned: must be a whole number ≥ 0',
        'learnedChurnModel.trainedOn.retained: must be a whole number ≥ 0',
        'learnedChurnModel.trainedOn.horizonDays: must be a whole number ≥ 1',
        'learnedChurnModel.trainedOn.cutDate: must be an ISO-8601 instant',
        'learnedChurnModel.trainedOn.l2: must be a number ≥ 0',
      ]],
      ['metrics that are not an object', { ...model, metrics: 3 }, ['learnedChurnModel.metrics: must be a JSON object']],
    ])('refuses %s, naming the field', (_case, learnedChurnModel, problems) => {
      expect(scorecardFromConfig({ version: 'x', learnedChurnModel })).toEqual({ ok: false, problems });
    });

    it('refuses a minimum of outcomes per class below 1', () => {
      expect(scorecardFromConfig({ version: 'x', minChurnOutcomesPerClass: 0 })).toEqual({ ok: false, problems: ['minChurnOutcomesPerClass: must be a whole number ≥ 1'] });
    });
  });
});
