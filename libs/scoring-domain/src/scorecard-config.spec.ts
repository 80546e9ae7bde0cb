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
});

