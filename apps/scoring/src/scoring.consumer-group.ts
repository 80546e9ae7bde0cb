/**
 * The consumer group of the events consumer (`bellwether.events.v1` only). The day-roller reads
 * its committed offsets for the pipeline watermark; the id is the one deployed before the side
 * inputs had their own group, so its offsets are kept across the upgrade.
 */
export const SCORING_CONSUMER_GROUP = 'bellwether-scoring';

/**
 * The consumer group of scoring's side inputs: clock ticks and the read models' topics (alerts,
 * playbook runs). Apart from the events so that a slow or retried read-model batch never holds
 * back scoring, and the events group's fetches carry events only.
 *
 * Upgrade note: a new group, so on its first start it reads those topics from the beginning
 * (their retention). That is safe: the clock tick only moves forward (`advanceClockTick`), an
 * alert projection never overwrites a newer revision, and a run's start never overwrites a run
 * already stored (`Account360Repository`).
 */
export const SCORING_SIDE_INPUTS_CONSUMER_GROUP = 'bellwether-scoring-side-inputs';
