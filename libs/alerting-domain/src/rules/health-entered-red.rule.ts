import { healthLine, withReasons } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import type { ScoreRule } from '../rule.types';

/**
 * Fires while the account's health band is red (the band is the scorecard's: < 40 is red, so
 * exactly 40 is yellow). The change that enters red opens the alert; later red changes update
 * it; leaving red clears it. No opinion on a snapshot with insufficient data.
 */
export const healthEnteredRedRule: ScoreRule = {
  id: 'health_entered_red',
  requiredParams: [],
  evaluate({ change }) {
    if (scoresLackData(change)) return null;
    if (change.after.band !== 'red') return { state: 'clear', evidence: [healthLine(change)] };
    const entered = change.before === null || change.before.band !== 'red';
    const line = entered ? healthLine(change) : `${healthLine(change)}, still red`;
    return { state: 'firing', evidence: withReasons([line], change) };
  },
};
