import type { ChurnModel, Scorecard } from './scorecard';

/**
 * The churn model's inputs, read from one evaluation (issue 18, section 3). The same inputs feed
 * the documented default model (`Scorecard.churnModel`) and a learned one (`LearnedChurnModel`):
 * serving reads them from the scoring signals (`churnInputsOf` in scores.ts), training from a
 * published score change (backtest-domain), so both sides name and scale every feature alike.
 */
export interface ChurnInputs {
  /** Health 0–100 (on insufficient data, missing measures read as neutral 50). */
  readonly health: number;
  readonly billingTrouble: boolean;
  /** The latest NPS answer is a detractor's (0–6). */
  readonly detractor: boolean;
  /** Last 7 days' activity at or below `STEEP_DECLINE_TREND` of the 4-week baseline. */
  readonly steepDecline: boolean;
  /** Long-horizon decline 0–1 (see `longDeclineOf`). */
  readonly longDecline: number;
  /** The champion or a key feature's owner is gone (`isChampionLost`, `keyFeatureOwnersLostOf`). */
  readonly championLost: boolean;
  /** Last 7 days' activity / 4-week weekly baseline, or null without a baseline. */
  readonly activityTrend: number | null;
  /** Distinct users active in the last 30 days. */
  readonly activeUsers30: number;
  /** Licensed seats, or null when unknown. */
  readonly seats: number | null;
  /** Support tickets in the last 30 days. */
  readonly tickets30: number;
}

/**
 * The churn model's features, in the order of the default model's sum. The first six are the
 * documented default's (`ChurnModel`); the last three have coefficient 0 in the default and are
 * there for a learned model to weigh.
 */
export const churnFeatures = [
  'health_per_10',
  'billing_trouble',
  'detractor',
  'steep_decline',
  'long_decline',
  'champion_lost',
  'activity_trend',
  'active_user_share',
  'tickets_30',
] as const;

export type ChurnFeature = (typeof churnFeatures)[number];

/**
 * The feature values of `inputs`, in `churnFeatures` order, each finite:
 * health_per_10 = (health − 50) / 10; the flags 0 or 1; long_decline 0–1; activity_trend the
 * trend capped at 2 (1, steady, without a baseline); active_user_share the 30-day active users
 * per seat capped at 1 (1 without known seats: no opinion); tickets_30 capped at 20.
 */
export function churnFeatureValues(inputs: ChurnInputs): Record<ChurnFeature, number> {
  return {
    health_per_10: (inputs.health - 50) / 10,
    billing_trouble: inputs.billingTrouble ? 1 : 0,
    detractor: inputs.detractor ? 1 : 0,
    steep_decline: inputs.steepDecline ? 1 : 0,
    long_decline: inputs.longDecline,
    champion_lost: inputs.championLost ? 1 : 0,
    activity_trend: inputs.activityTrend === null ? 1 : Math.min(2, Math.max(0, inputs.activityTrend)),
    active_user_share: inputs.seats !== null && inputs.seats > 0 ? Math.min(1, inputs.activeUsers30 / inputs.seats) : 1,
    tickets_30: Math.min(20, inputs.tickets30),
  };
}

/** The default model's coefficients by feature (0 for the features it does not read). */
export function defaultChurnCoefficients(model: ChurnModel): Record<ChurnFeature, number> {
  return {
    health_per_10: model.healthPer10,
    billing_trouble: model.billingTrouble,
    detractor: model.detractor,
    steep_decline: model.steepDecline,
    long_decline: model.longDecline ?? 0,
    champion_lost: model.championLost ?? 0,
    activity_trend: 0,
    active_user_share: 0,
    tickets_30: 0,
  };
}

/** How a learned model scales a feature before its coefficient: (value − mean) / scale. */
export interface FeatureStandardisation {
  readonly mean: number;
  /** The training sample's standard deviation; 1 for a feature that did not vary. */
  readonly scale: number;
}

/**
 * A churn model learned from outcomes (issue 18, section 3): a logistic regression over the
 * standardised `churnFeatures`. p = 1 / (1 + e^−(intercept + Σ coefficient × (value − mean) / scale)).
 * Immutable and versioned; built by backtest-domain's `trainChurnModel`.
 */
export interface LearnedChurnModel {
  readonly version: string;
  /** The features it reads, in order; each has a coefficient and a standardisation. */
  readonly features: readonly ChurnFeature[];
  /** Per feature, in logit units per standard deviation of the feature. */
  readonly coefficients: Readonly<Partial<Record<ChurnFeature, number>>>;
  readonly intercept: number;
  readonly standardisation: Readonly<Partial<Record<ChurnFeature, FeatureStandardisation>>>;
  readonly trainedOn: {
    /** Training examples by class: churned and retained (renewed or still active). */
    readonly churned: number;
    readonly retained: number;
    /** Days before the outcome the signals snapshot was taken. */
    readonly horizonDays: number;
    /** Outcomes before this instant (ISO-8601) trained the model; later ones tested it. */
    readonly cutDate: string;
    /** The L2 penalty λ (on the standardised coefficients, not on the intercept). */
    readonly l2: number;
    /** Where the history came from (a file name, a seed), for the record. */
    readonly source?: string;
  };
  readonly metrics: Readonly<Record<string, unknown>>;
}

/** Examples per class a learned model needs before it replaces the default (issue 18: "a configurable minimum per class"). */
export const DEFAULT_MIN_CHURN_OUTCOMES_PER_CLASS = 30;

/** Whether `model` was trained on at least `minPerClass` churned and as many retained examples. */
export function isLearnedModelUsable(model: LearnedChurnModel | null | undefined, minPerClass: number = DEFAULT_MIN_CHURN_OUTCOMES_PER_CLASS): model is LearnedChurnModel {
  return !!model && model.trainedOn.churned >= minPerClass && model.trainedOn.retained >= minPerClass;
}

/** One feature's share of the churn risk: its coefficient, its value and its term of the logit. */
export interface ChurnRiskDriver {
  readonly feature: ChurnFeature;
  readonly coefficient: number;
  /** The feature's value (before standardisation). */
  readonly value: number;
  /** coefficient × value (standardised for a learned model), in logit units: + raises the risk. */
  readonly contribution: number;
}

/** The model that scores churn risk with `scorecard`: the learned one when usable, else the default. */
export function activeChurnModel(scorecard: Scorecard): { readonly source: 'learned'; readonly model: LearnedChurnModel } | { readonly source: 'default'; readonly model: ChurnModel } {
  const learned = scorecard.learnedChurnModel;
  if (isLearnedModelUsable(learned, scorecard.minChurnOutcomesPerClass ?? DEFAULT_MIN_CHURN_OUTCOMES_PER_CLASS)) return { source: 'learned', model: learned };
  return { source: 'default', model: scorecard.churnModel };
}

/**
 * Every feature's term of the churn logit, in `churnFeatures` order (the learned model's own
 * features in its order), and the intercept: the sum of intercept and contributions is the logit.
 */
export function churnLogitTerms(scorecard: Scorecard, inputs: ChurnInputs): { readonly modelVersion: string | null; readonly intercept: number; readonly drivers: readonly ChurnRiskDriver[] } {
  const values = churnFeatureValues(inputs);
  const active = activeChurnModel(scorecard);
  if (active.source === 'default') {
    const coefficients = defaultChurnCoefficients(active.model);
    return {
      modelVersion: null,
      intercept: active.model.intercept,
      drivers: churnFeatures.map((feature) => ({ feature, coefficient: coefficients[feature], value: values[feature], contribution: coefficients[feature] * values[feature] })),
    };
  }
  const model = active.model;
  return {
    modelVersion: model.version,
    intercept: model.intercept,
    drivers: model.features.map((feature) => {
      const coefficient = model.coefficients[feature] ?? 0;
      const scaling = model.standardisation[feature] ?? { mean: 0, scale: 1 };
      return { feature, coefficient, value: values[feature], contribution: (coefficient * (values[feature] - scaling.mean)) / scaling.scale };
    }),
  };
}

/**
 * The churn probability 0–1 (3 decimals) of `inputs` under the scorecard's active model (see
 * `activeChurnModel`). With the default model the sum runs in the documented order, so scores
 * are what they were before learned models existed.
 */
export function churnProbability(scorecard: Scorecard, inputs: ChurnInputs): number {
  const terms = churnLogitTerms(scorecard, inputs);
  const z = terms.drivers.reduce((sum, driver) => sum + driver.contribution, terms.intercept);
  return Math.round((1 / (1 + Math.exp(-z))) * 1000) / 1000;
}

/**
 * The drivers of the churn risk, largest |contribution| first, without those contributing
 * nothing: each names its feature and the (learned or default) coefficient behind it.
 */
export function churnRiskDrivers(scorecard: Scorecard, inputs: ChurnInputs, limit = 5): { readonly modelVersion: string | null; readonly drivers: readonly ChurnRiskDriver[] } {
  const terms = churnLogitTerms(scorecard, inputs);
  const drivers = terms.drivers
    .filter((driver) => Math.abs(driver.contribution) > 1e-9)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1))
    .slice(0, limit);
  return { modelVersion: terms.modelVersion, drivers };
}

/**
 * A learned model read from JSON (a scorecard file, later the admin API): the model, or the
 * problems, each naming its field under `path` (e.g. `learnedChurnModel.coefficients.detractor`).
 * Features must be known (`churnFeatures`), each with a finite coefficient and a standardisation
 * of finite mean and positive scale; the class counts whole numbers ≥ 0.
 */
export function learnedChurnModelFromJson(input: unknown, path = 'learnedChurnModel'): { readonly ok: true; readonly model: LearnedChurnModel } | { readonly ok: false; readonly problems: readonly string[] } {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
  if (!isObject(input)) return { ok: false, problems: [`${path}: must be a JSON object`] };
  const problems: string[] = [];
  if (typeof input['version'] !== 'string' || input['version'].length === 0) problems.push(`${path}.version: is required (a string naming this model)`);
  const features = input['features'];
  const known: readonly string[] = churnFeatures;
  if (!Array.isArray(features) || features.length === 0) problems.push(`${path}.features: must be a non-empty list of ${churnFeatures.join(', ')}`);
  else {
    features.forEach((feature, index) => {
      if (typeof feature !== 'string' || !known.includes(feature)) problems.push(`${path}.features[${index}]: is not a churn feature (${churnFeatures.join(', ')})`);
      else if (features.indexOf(feature) !== index) problems.push(`${path}.features[${index}]: ${feature} is listed twice`);
    });
  }
  const listed = Array.isArray(features) ? features.filter((feature): feature is string => typeof feature === 'string' && known.includes(feature)) : [];
  const coefficients = input['coefficients'];
  const standardisation = input['standardisation'];
  if (!isObject(coefficients)) problems.push(`${path}.coefficients: must be a JSON object of feature → number`);
  if (!isObject(standardisation)) problems.push(`${path}.standardisation: must be a JSON object of feature → { mean, scale }`);
  for (const feature of listed) {
    if (isObject(coefficients) && !finite(coefficients[feature])) problems.push(`${path}.coefficients.${feature}: must be a finite number`);
    const scaling = isObject(standardisation) ? standardisation[feature] : undefined;
    if (isObject(standardisation) && !(isObject(scaling) && finite(scaling['mean']) && finite(scaling['scale']) && scaling['scale'] > 0)) {
      problems.push(`${path}.standardisation.${feature}: must be { mean: a finite number, scale: a number > 0 }`);
    }
  }
  if (isObject(coefficients)) for (const key of Object.keys(coefficients)) if (!listed.includes(key)) problems.push(`${path}.coefficients.${key}: is not one of the model's features`);
  if (!finite(input['intercept'])) problems.push(`${path}.intercept: must be a finite number`);
  const trainedOn = input['trainedOn'];
  if (!isObject(trainedOn)) problems.push(`${path}.trainedOn: must be a JSON object`);
  else {
    for (const key of ['churned', 'retained']) if (!(Number.isInteger(trainedOn[key]) && (trainedOn[key] as number) >= 0)) problems.push(`${path}.trainedOn.${key}: must be a whole number ≥ 0`);
    if (!(Number.isInteger(trainedOn['horizonDays']) && (trainedOn['horizonDays'] as number) >= 1)) problems.push(`${path}.trainedOn.horizonDays: must be a whole number ≥ 1`);
    if (typeof trainedOn['cutDate'] !== 'string' || !Number.isFinite(Date.parse(trainedOn['cutDate']))) problems.push(`${path}.trainedOn.cutDate: must be an ISO-8601 instant`);
    if (!(finite(trainedOn['l2']) && trainedOn['l2'] >= 0)) problems.push(`${path}.trainedOn.l2: must be a number ≥ 0`);
  }
  if (input['metrics'] !== undefined && !isObject(input['metrics'])) problems.push(`${path}.metrics: must be a JSON object`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, model: { ...(input as unknown as LearnedChurnModel), metrics: (input['metrics'] as Record<string, unknown> | undefined) ?? {} } };
}
