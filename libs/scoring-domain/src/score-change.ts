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
    Math.abs(before.health - after.health) >= scorecard.materialChange.healthPoints ||
    Math.abs(before.churnRisk - after.churnRisk) >= scorecard.materialChange.churnRisk
  );
}

/**
 * The top reasons a score moved, largest contribution change first, in words a CSM can act on
 * ("product_usage −12.0 pts: 2 weekly active users of 10 seats; activity −60% vs 4-week baseline").
 * For a first score, the weakest measures explain it.
 */
export function reasonsForChange(previousDrivers: readonly ScoreDriver[] | null, evaluation: AccountEvaluation, limit = 3): string[] {
  const previousByMeasure = new Map((previousDrivers ?? []).map((driver) => [driver.measure, driver.contribution]));
  const ranked = evaluation.drivers
    .map((driver) => {
      const delta = previousDrivers ? driver.contribution - (previousByMeasure.get(driver.measure) ?? 0) : driver.score - 100;
      return { driver, delta };
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
