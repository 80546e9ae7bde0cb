import { healthLine, withReasons } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import type { ScoreRule } from '../rule.types';
import { isoDate } from '../time.util';

/**
 * Fires while the account's segment is `at_risk`; clears when it leaves it. No opinion on a
 * snapshot with insufficient data (its event signals alert through their own rules).
 */
export const segmentAtRiskRule: ScoreRule = {
  id: 'segment_at_risk',
  requiredParams: [],
  evaluate({ change }) {
    if (scoresLackData(change)) return null;
    const { before, after } = change;
    const movement = before && before.segment !== after.segment ? `${before.segment} → ${after.segment}` : after.segment;
    const line = `segment ${movement} on ${isoDate(change.eventTime)}`;
    if (after.segment !== 'at_risk') return { state: 'clear', evidence: [line] };
    return { state: 'firing', evidence: withReasons([line, healthLine(change)], change) };
  },
};
