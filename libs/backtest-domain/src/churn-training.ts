import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { DAY_MS, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import {
  churnFeatures,
  churnFeatureValues,
  churnProbability,
  defaultScorecard,
  isChampionLost,
  isSteepDecline,
  longDeclineOf,
  NEUTRAL_HEALTH,
  type ChurnFeature,
  type ChurnInputs,
  type ChurnModel,
  type FeatureStandardisation,
  type LearnedChurnModel,
  type Scorecard,
} from '@bellwether/scoring-domain';
import { brierScore, rocAuc } from './churn-metrics';

/**
 * Learning the churn model from outcomes (issue 18, section 3): training examples from a replayed
 * history (`replayHistory`), an L2-regularised logistic regression over the standardised
 * `churnFeatures`, a time-based hold-out, and its AUC and Brier score next to the default's.
 */

/** What happened to an account, and when (event time): a churn, a renewal, or still a customer at a checkpoint. */
export interface ChurnOutcome {
  readonly accountId: string;
  readonly churned: boolean;
  /** ISO-8601 event time of the `account.churned` / `account.renewed`, or the checkpoint. */
  readonly at: string;
  readonly kind: 'churned' | 'renewed' | 'active';
}

/** One training or test example: the signals snapshot `horizonDays` before an outcome. */
export interface ChurnExample {
  readonly accountId: string;
  readonly outcome: ChurnOutcome;
  /** Event time of the score change whose signals are the snapshot (the latest at or before outcome − horizon). */
  readonly snapshotAt: string;
  readonly inputs: ChurnInputs;
}

/**
 * The churn model's inputs as read from a published score change (contract shapes), for training:
 * the same quantities serving reads from the scoring signals (`churnInputsOf`). Ratios published
 * rounded (usage level to 3 decimals) give the same features to that rounding. On insufficient
 * data the health is re-weighted as serving does it: measures lacking data read as neutral 50.
 * Null for a change without signals (published before they existed).
 */
export function churnInputsOfChange(change: ScoreChanged): ChurnInputs | null {
  const signals = change.signals;
  if (!signals) return null;
  return {
    health: riskHealthOf(change),
    billingTrouble: signals.billing.trouble.length > 0,
    detractor: signals.nps !== null && signals.nps.category === 'detractor',
    steepDecline: isSteepDecline({ activityTrend: signals.activity.trend }),
    longDecline: longDeclineOf({ usageLevel: signals.usageLevel ?? null }),
    championLost: isChampionLost(signals.champion ?? null) || (signals.keyFeatureOwnersLost ?? []).length > 0,
    activityTrend: signals.activity.trend,
    activeUsers30: signals.activeUsers.last30,
    seats: signals.activeUsers.seats,
    tickets30: signals.support.tickets30,
  };
}

/** `evaluateAccount`'s risk health: the health, or on insufficient data every measure lacking data read as neutral. */
function riskHealthOf(change: ScoreChanged): number {
  if (!change.after.insufficientData) return change.after.health;
  const total = change.drivers.reduce((sum, driver) => sum + driver.weight, 0);
  if (total === 0) return change.after.health;
  const withData = change.drivers.filter((driver) => !driver.insufficientData);
  const weighted = withData.reduce((sum, driver) => sum + driver.score * driver.weight, 0);
  const weightWithData = withData.reduce((sum, driver) => sum + driver.weight, 0);
  return (weighted + NEUTRAL_HEALTH * (total - weightWithData)) / total;
}

/**
 * The outcomes a history shows: each account's first `account.churned` (churned), each
 * `account.renewed` before it (retained), and, at every checkpoint (ISO-8601, e.g. the hold-out's
 * cut and the history's end), each account with events before it and no churn up to it (retained:
 * still a customer then). Sorted by time, then account.
 */
export function churnOutcomesOf(events: readonly TelemetryEvent[], checkpoints: readonly string[]): ChurnOutcome[] {
  const firstSeen = new Map<string, string>();
  const churnedAt = new Map<string, string>();
  const renewals: ChurnOutcome[] = [];
  for (const event of events) {
    const time = new Date(Date.parse(event.timestamp)).toISOString();
    const seen = firstSeen.get(event.accountId);
    if (seen === undefined || time < seen) firstSeen.set(event.accountId, time);
    if (event.type === 'account.churned') {
      const churned = churnedAt.get(event.accountId);
      if (churned === undefined || time < churned) churnedAt.set(event.accountId, time);
    }
  }
  for (const event of events) {
    if (event.type !== 'account.renewed') continue;
    const time = new Date(Date.parse(event.timestamp)).toISOString();
    const churned = churnedAt.get(event.accountId);
    if (churned === undefined || time < churned) renewals.push({ accountId: event.accountId, churned: false, at: time, kind: 'renewed' });
  }
  const outcomes: ChurnOutcome[] = [...renewals, ...[...churnedAt].map(([accountId, at]): ChurnOutcome => ({ accountId, churned: true, at, kind: 'churned' }))];
  for (const checkpoint of checkpoints) {
    for (const [accountId, seen] of firstSeen) {
      const churned = churnedAt.get(accountId);
      if (seen < checkpoint && (churned === undefined || churned > checkpoint)) outcomes.push({ accountId, churned: false, at: checkpoint, kind: 'active' });
    }
  }
  return outcomes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
}

/**
 * The example of each outcome: the account's latest score change at or before `horizonDays`
 * (default 30) before the outcome, and its inputs. Outcomes without such a change (a young
 * account) or without signals give none.
 */
export function churnExamplesOf(changesByAccount: ReadonlyMap<string, readonly ScoreChanged[]>, outcomes: readonly ChurnOutcome[], horizonDays = 30): ChurnExample[] {
  const examples: ChurnExample[] = [];
  for (const outcome of outcomes) {
    const snapshotBy = Date.parse(outcome.at) - horizonDays * DAY_MS;
    let snapshot: ScoreChanged | null = null;
    for (const change of changesByAccount.get(outcome.accountId) ?? []) {
      const time = Date.parse(change.eventTime);
      if (time <= snapshotBy && (snapshot === null || time >= Date.parse(snapshot.eventTime))) snapshot = change;
    }
    const inputs = snapshot ? churnInputsOfChange(snapshot) : null;
    if (snapshot && inputs) examples.push({ accountId: outcome.accountId, outcome, snapshotAt: snapshot.eventTime, inputs });
  }
  return examples;
}

export interface TrainOptions {
  /** Outcomes up to it (inclusive: a checkpoint at the cut trains) train the model, later ones test it (ISO-8601). */
  readonly cutDate: string;
  /** The model's version id. */
  readonly version: string;
  /** L2 penalty λ on the standardised coefficients (default 1): the fit minimises −log-likelihood + λ/2 × Σ β². */
  readonly l2?: number;
  readonly horizonDays?: number;
  /** Features to fit (default every `churnFeatures`). */
  readonly features?: readonly ChurnFeature[];
  /** The default model the report compares with (default: the default scorecard's). */
  readonly defaultModel?: ChurnModel;
  readonly source?: string;
}

/** AUC and Brier score of a model on a set of examples (null where undefined). */
export interface ChurnScores {
  readonly examples: number;
  readonly churned: number;
  readonly auc: number | null;
  readonly brier: number | null;
}

export interface ChurnTrainingReport {
  readonly model: LearnedChurnModel;
  readonly train: { readonly learned: ChurnScores; readonly default: ChurnScores };
  readonly holdOut: { readonly learned: ChurnScores; readonly default: ChurnScores };
  /** Newton iterations the fit took, and whether it converged. */
  readonly iterations: number;
  readonly converged: boolean;
}

const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-9;

/**
 * Fits the model on the examples whose outcome is before `cutDate` and scores it, and the default
 * model, on those after (the hold-out). The fit: the features standardised with the training
 * sample's mean and standard deviation (kept with the model), then L2-regularised logistic
 * regression by Newton–Raphson (iteratively reweighted least squares: each step solves
 * (XᵀWX + λI′) Δ = Xᵀ(y − p) − λI′β with ml-matrix's Cholesky decomposition, I′ leaving the
 * intercept unpenalised). The penalised log-likelihood is strictly concave for λ > 0, so the step
 * converges to its unique maximum. Throws RangeError without a training example of each class.
 */
export function trainChurnModel(examples: readonly ChurnExample[], options: TrainOptions): ChurnTrainingReport {
  const l2 = options.l2 ?? 1;
  if (!(l2 >= 0)) throw new RangeError(`l2 must be ≥ 0 (got ${l2})`);
  const features = options.features ?? churnFeatures;
  const train = examples.filter((example) => example.outcome.at <= options.cutDate);
  const test = examples.filter((example) => example.outcome.at > options.cutDate);
  const trainChurned = train.filter((example) => example.outcome.churned).length;
  if (trainChurned === 0 || trainChurned === train.length) {
    throw new RangeError(`training needs churned and retained outcomes before ${options.cutDate} (got ${trainChurned} churned of ${train.length})`);
  }
  const rows = train.map((example) => churnFeatureValues(example.inputs));
  const standardisation: Partial<Record<ChurnFeature, FeatureStandardisation>> = {};
  for (const feature of features) {
    const values = rows.map((row) => row[feature]);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const sd = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
    standardisation[feature] = { mean, scale: sd > 1e-12 ? sd : 1 };
  }
  const design = new Matrix(rows.map((row) => [1, ...features.map((feature) => (row[feature] - (standardisation[feature]?.mean ?? 0)) / (standardisation[feature]?.scale ?? 1))]));
  const labels = Matrix.columnVector(train.map((example) => (example.outcome.churned ? 1 : 0)));
  const width = features.length + 1;
  const penalty = Matrix.eye(width, width).mul(l2);
  penalty.set(0, 0, 0);
  let beta = Matrix.zeros(width, 1);
  let iterations = 0;
  let converged = false;
  while (iterations < MAX_ITERATIONS && !converged) {
    iterations += 1;
    const probabilities = design.mmul(beta).to1DArray().map((z) => 1 / (1 + Math.exp(-z)));
    const residual = labels.clone().sub(Matrix.columnVector(probabilities));
    const gradient = design.transpose().mmul(residual).sub(penalty.mmul(beta));
    const weighted = design.clone();
    for (let row = 0; row < weighted.rows; row += 1) {
      const weight = (probabilities[row] ?? 0) * (1 - (probabilities[row] ?? 0));
      for (let column = 0; column < width; column += 1) weighted.set(row, column, weighted.get(row, column) * weight);
    }
    // A tiny ridge on the intercept too keeps the Hessian positive definite when every p is 0 or 1.
    const product = design.transpose().mmul(weighted);
    // Symmetric up to rounding: made exactly so, as the decomposition requires.
    const hessian = product.add(product.transpose()).div(2).add(penalty).add(Matrix.eye(width, width).mul(1e-10));
    const step = new CholeskyDecomposition(hessian).solve(gradient);
    beta = beta.add(step);
    converged = Math.max(...step.to1DArray().map(Math.abs)) < TOLERANCE;
  }
  const coefficients: Partial<Record<ChurnFeature, number>> = {};
  features.forEach((feature, index) => (coefficients[feature] = beta.get(index + 1, 0)));
  const defaultModel = options.defaultModel ?? defaultScorecard.churnModel;
  const scoreWith = (scorecard: Scorecard, set: readonly ChurnExample[]): ChurnScores => {
    const probabilities = set.map((example) => churnProbability(scorecard, example.inputs));
    const outcomes = set.map((example) => (example.outcome.churned ? 1 : 0));
    return { examples: set.length, churned: outcomes.filter((label) => label === 1).length, auc: rocAuc(probabilities, outcomes), brier: brierScore(probabilities, outcomes) };
  };
  const trainedOn = {
    churned: trainChurned,
    retained: train.length - trainChurned,
    horizonDays: options.horizonDays ?? 30,
    cutDate: options.cutDate,
    l2,
    ...(options.source !== undefined ? { source: options.source } : {}),
  };
  const unscored: LearnedChurnModel = { version: options.version, features, coefficients, intercept: beta.get(0, 0), standardisation, trainedOn, metrics: {} };
  // Scored with the model forced on (minimum 0): the report measures the fit, whatever the minimum in force.
  const learnedCard: Scorecard = { ...defaultScorecard, churnModel: defaultModel, learnedChurnModel: unscored, minChurnOutcomesPerClass: 0 };
  const defaultCard: Scorecard = { ...defaultScorecard, churnModel: defaultModel, learnedChurnModel: null };
  const report = {
    train: { learned: scoreWith(learnedCard, train), default: scoreWith(defaultCard, train) },
    holdOut: { learned: scoreWith(learnedCard, test), default: scoreWith(defaultCard, test) },
  };
  const model: LearnedChurnModel = { ...unscored, metrics: { ...report, iterations, converged } };
  return { model, ...report, iterations, converged };
}

/**
 * The default hold-out cut: the median time of the churns (ISO-8601), so that both the training
 * and the test side have churned examples; null without a churn.
 */
export function medianChurnTime(outcomes: readonly ChurnOutcome[]): string | null {
  const times = outcomes.filter((outcome) => outcome.churned).map((outcome) => outcome.at).sort();
  if (times.length === 0) return null;
  return times[Math.floor((times.length - 1) / 2)] ?? null;
}
