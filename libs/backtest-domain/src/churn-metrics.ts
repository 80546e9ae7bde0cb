/**
 * Scores of a probabilistic classifier against observed outcomes (issue 18, section 3).
 * `labels[i]` is 1 for a churned example, 0 for a retained one; `scores[i]` its predicted churn
 * probability (for the AUC any score that orders the examples will do).
 */

/**
 * The area under the ROC curve: the probability that a random churned example scores higher than
 * a random retained one, ties counting one half (the Mann–Whitney U statistic / (n1 × n0), with
 * average ranks for ties). Null when either class is empty (the AUC is undefined). Throws
 * RangeError when the arrays differ in length or a label is neither 0 nor 1.
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number | null {
  checkPairs(scores, labels);
  const order = scores.map((score, index) => ({ score, label: labels[index] as number })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.score === order[start]?.score) end += 1;
    // Ranks start..end (1-based: start + 1 … end + 1) share their average.
    const averageRank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index += 1) {
      if (order[index]?.label === 1) {
        positives += 1;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * The Brier score: the mean squared difference between the predicted probability and the
 * outcome (0 is perfect; always predicting 0.5 scores 0.25). Null for no examples. Throws
 * RangeError as `rocAuc` does, and when a probability is outside [0, 1].
 */
export function brierScore(probabilities: readonly number[], labels: readonly number[]): number | null {
  checkPairs(probabilities, labels);
  if (probabilities.some((probability) => !(probability >= 0 && probability <= 1))) throw new RangeError('brierScore: every probability must be within [0, 1]');
  if (probabilities.length === 0) return null;
  return probabilities.reduce((sum, probability, index) => sum + (probability - (labels[index] as number)) ** 2, 0) / probabilities.length;
}

function checkPairs(scores: readonly number[], labels: readonly number[]): void {
  if (scores.length !== labels.length) throw new RangeError(`scores and labels differ in length (${scores.length} vs ${labels.length})`);
  if (labels.some((label) => label !== 0 && label !== 1)) throw new RangeError('every label must be 0 (retained) or 1 (churned)');
  if (scores.some((score) => !Number.isFinite(score))) throw new RangeError('every score must be a finite number');
}
