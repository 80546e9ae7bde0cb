/** The consumer group of every scoring consumer (the day-roller reads its committed offsets too). */
export const SCORING_CONSUMER_GROUP = 'bellwether-scoring';
