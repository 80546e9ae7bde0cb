import { formatHealth, formatPercent, param } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import type { ScoreRule } from '../rule.types';
import { isoDate, windowText } from '../time.util';

/** The scorecard measure whose 0–100 score is the share of key features used in 30 days. */
export const featureBreadthMeasure = 'feature_adoption';

/**
 * Expansion: key-feature breadth at or above `breadth` (0–1) with green health — the moment to
 * cross-sell a complementary product. Breadth comes from the change's `feature_adoption` driver;
 * without it, or on a snapshot with insufficient data, the rule has no opinion (null).
 */
export const adoptionMaturityRule: ScoreRule = {
  id: 'adoption_maturity',
  requiredParams: ['breadth'],
  evaluate({ change }, config) {
    const driver = change.drivers.find((d) => d.measure === featureBreadthMeasure);
    if (!driver || driver.insufficientData || scoresLackData(change)) return null;
    const target = param(config.params, 'breadth', 0.8);
    const breadth = driver.score / 100;
    const { after } = change;
    const line = `key-feature breadth ${formatPercent(breadth)} (target ${formatPercent(target)}) with ${after.band} health ${formatHealth(after.health)} on ${isoDate(change.eventTime)}`;
    if (breadth < target || after.band !== 'green') return { state: 'clear', evidence: [line] };
    const features = change.signals?.features;
    const counts = features ? ` (${features.keyUsed30} of ${features.keyConfigured} key features in ${windowText(change.eventTime, 30)})` : '';
    return { state: 'firing', evidence: [line, `why now: broad, healthy adoption${counts} — time to propose a complementary product`] };
  },
};
