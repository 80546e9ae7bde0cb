import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each score history row records the scorecard version that made it (issue 18 §1: "each score
 * change records the version that made it"). The score change event carries it, but the events
 * topic keeps 28 days; the history keeps the score for good. Nullable with no default, so adding
 * it rewrites nothing (rows written before it read null: their version is not known here).
 */
export class ScoreHistoryScorecardVersion1763900000109 implements MigrationInterface {
  name = 'ScoreHistoryScorecardVersion1763900000109';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE scoring.score_history ADD COLUMN scorecard_version text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE scoring.score_history DROP COLUMN scorecard_version');
  }
}
