import { learnedChurnModelFromJson, type LearnedChurnModel } from './churn-model';
import { defaultScorecard, type MeasureId, type Scorecard } from './scorecard';

export type ScorecardValidation = { readonly ok: true; readonly scorecard: Scorecard } | { readonly ok: false; readonly problems: readonly string[] };

/** Signal settings that are lists of strings; the others are numbers of days. */
const stringListSettings: readonly string[] = ['keyFeatures', 'requiredMilestones', 'pricingPaths', 'escalationSeverities', 'escalationSentiments', 'escalationTopics'];

const measureIds: readonly MeasureId[] = ['product_usage', 'feature_adoption', 'support', 'sentiment', 'billing', 'onboarding', 'usage_level', 'champion'];

/**
 * A scorecard from configuration (JSON), laid over the default one: a new `version` is
 * required, weights must be non-negative with a positive total, bands ordered within 0–100; a
 * `learnedChurnModel` (the JSON `npm run train-churn-model` writes) is checked field by field
 * (`learnedChurnModelFromJson`). Every problem names its field.
 */
export function scorecardFromConfig(input: unknown): ScorecardValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, problems: ['scorecard: must be a JSON object'] };
  const config = input as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(['version', 'weights', 'bands', 'signals', 'targetWeeklyActiveShare', 'churnModel', 'materialChange', 'minWeightWithData', 'learnedChurnModel', 'minChurnOutcomesPerClass']);
  for (const key of Object.keys(config)) if (!known.has(key)) problems.push(`${key}: is not a scorecard field`);
  if (typeof config['version'] !== 'string' || config['version'].length === 0) problems.push('version: is required (a string naming this scorecard)');

  const weights = { ...defaultScorecard.weights, ...(isObject(config['weights']) ? config['weights'] : {}) } as Record<string, unknown>;
  for (const [measure, weight] of Object.entries(weights)) {
    if (!measureIds.includes(measure as MeasureId)) problems.push(`weights.${measure}: is not a measure (${measureIds.join(', ')})`);
    else if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) problems.push(`weights.${measure}: must be a number ≥ 0`);
  }
  const totalWeight = Object.values(weights).reduce<number>((sum, weight) => sum + (typeof weight === 'number' ? weight : 0), 0);
  if (totalWeight <= 0) problems.push('weights: must add up to more than 0');

  const bands = { ...defaultScorecard.bands, ...(isObject(config['bands']) ? config['bands'] : {}) } as Record<string, unknown>;
  const { green, yellow } = bands;
  if (typeof green !== 'number' || green <= 0 || green > 100) problems.push('bands.green: must be a number in (0, 100]');
  if (typeof yellow !== 'number' || yellow < 0 || (typeof green === 'number' && yellow >= green)) problems.push('bands.yellow: must be a number ≥ 0 and below bands.green');

  const share = config['targetWeeklyActiveShare'] ?? defaultScorecard.targetWeeklyActiveShare;
  if (typeof share !== 'number' || share <= 0 || share > 1) problems.push('targetWeeklyActiveShare: must be a number in (0, 1]');

  const minWeightWithData = config['minWeightWithData'] ?? defaultScorecard.minWeightWithData;
  if (typeof minWeightWithData !== 'number' || !Number.isFinite(minWeightWithData) || minWeightWithData < 0 || minWeightWithData > 1) problems.push('minWeightWithData: must be a number in [0, 1]');

  const signals = config['signals'];
  if (signals !== undefined && !isObject(signals)) problems.push('signals: must be a JSON object');
  if (isObject(signals)) {
    for (const [key, value] of Object.entries(signals)) {
      if (!Object.hasOwn(defaultScorecard.signals, key)) problems.push(`signals.${key}: is not a signal setting`);
      else if (stringListSettings.includes(key) && !(Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0))) {
        problems.push(`signals.${key}: must be a list of non-empty strings`);
      } else if (!stringListSettings.includes(key) && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
        problems.push(`signals.${key}: must be a number ≥ 0`);
      }
    }
  }

  // A model from `npm run train-churn-model` (its JSON as written), used once it has enough outcomes.
  let learnedChurnModel: LearnedChurnModel | null = null;
  if (config['learnedChurnModel'] !== undefined && config['learnedChurnModel'] !== null) {
    const learned = learnedChurnModelFromJson(config['learnedChurnModel']);
    if (learned.ok) learnedChurnModel = learned.model;
    else problems.push(...learned.problems);
  }
  const minPerClass = config['minChurnOutcomesPerClass'];
  if (minPerClass !== undefined && !(Number.isInteger(minPerClass) && (minPerClass as number) >= 1)) problems.push('minChurnOutcomesPerClass: must be a whole number ≥ 1');

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    scorecard: {
      ...defaultScorecard,
      version: config['version'] as string,
      weights: weights as Scorecard['weights'],
      bands: bands as unknown as Scorecard['bands'],
      targetWeeklyActiveShare: share as number,
      minWeightWithData: minWeightWithData as number,
      signals: { ...defaultScorecard.signals, ...(isObject(config['signals']) ? (config['signals'] as object) : {}) },
      churnModel: { ...defaultScorecard.churnModel, ...(isObject(config['churnModel']) ? (config['churnModel'] as object) : {}) },
      materialChange: { ...defaultScorecard.materialChange, ...(isObject(config['materialChange']) ? (config['materialChange'] as object) : {}) },
      ...(learnedChurnModel ? { learnedChurnModel } : {}),
      ...(minPerClass !== undefined ? { minChurnOutcomesPerClass: minPerClass as number } : {}),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
