import type { ScoreDriver, ScoreSnapshot } from '@bellwether/contracts';
import type { Scorecard } from './scorecard';
import type { AccountEvaluation } from './scores';

/** Whether a new evaluation is worth publishing: bands, segments and stages always are. */
export function isMaterialChange(before: ScoreSnapshot | null, after: ScoreSnapshot, scorecard: Scorecard): boolean {
  if (!before) return true;
  return (
    before.band !== after.band ||
    before.segment !== after.segment ||
    before.stage !== after.stage ||
    (before.insufficientData ?? false) !== (after.insufficientData ?? false) ||
    Math.abs(before.health - after.health) >= scorecard.materialChange.healthPoints ||
    Math.abs(before.churnRisk - after.churnRisk) >= scorecard.materialChange.churnRisk
  );
}

/**
 * The top reasons a score moved, largest change first, in words a CSM can act on
 * ("product_usage −12.0 pts: 2 weekly active users of 10 seats; activity −60% vs 4-week baseline").
 * A measure's move is its score's change × its weight / the weight with data (its contribution's
 * change while the measures with data stay the same); a measure that just got data moves from its
 * provisional reading. Measures without data are left out: they explain nothing about the score.
 * For a first score, the weakest measures explain it.
 */
export function reasonsForChange(previousDrivers: readonly ScoreDriver[] | null, evaluation: AccountEvaluation, limit = 3): string[] {
  const previousByMeasure = new Map((previousDrivers ?? []).map((driver) => [driver.measure, driver]));
  const counted = evaluation.drivers.filter((driver) => !driver.insufficientData);
  const weightWithData = counted.reduce((sum, driver) => sum + driver.weight, 0);
  const ranked = counted
    .map((driver) => {
      const previous = previousByMeasure.get(driver.measure);
      const moved = previous && weightWithData > 0 ? ((driver.score - previous.score) * driver.weight) / weightWithData : driver.contribution;
      return { driver, delta: previousDrivers ? moved : driver.score - 100 };
    })
    .filter(({ delta }) => Math.abs(delta) >= 0.05)
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, limit);
  return ranked.map(({ driver, delta }) => {
    const explanation = evaluation.explanations[driver.measure] ?? '';
    const movement = previousDrivers ? `${delta > 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)} pts` : `scores ${driver.score}/100`;
    return `${driver.measure} ${movement}: ${explanation}`;
  });
}
