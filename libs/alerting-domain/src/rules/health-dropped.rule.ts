import { formatHealth, param, withReasons } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import type { ScoreRule } from '../rule.types';
import { DAY_MS, instantMs, isoDate } from '../time.util';

/**
 * Fires when health fell at least `dropPoints` below its highest value within the last
 * `withinDays` days (inclusive: a point exactly `withinDays` earlier counts). The candidates are
 * the history points in that window and the score just before this change (`before`), which was
 * in force up to the change itself. History points after the change's event time are ignored.
 * No opinion on a snapshot with insufficient data, and a `before` with insufficient data is no
 * peak (a partial score is not a height the account fell from).
 */
export const healthDroppedRule: ScoreRule = {
  id: 'health_dropped',
  requiredParams: ['dropPoints', 'withinDays'],
  evaluate({ change, history }, config) {
    const dropPoints = param(config.params, 'dropPoints', 15);
    const withinDays = param(config.params, 'withinDays', 14);
    if (scoresLackData(change)) return null;
    const at = instantMs(change.eventTime);
    if (at === null) return null;
    const windowStart = at - withinDays * DAY_MS;

    let peak: { health: number; when: string } | null = change.before && !change.before.insufficientData
      ? { health: change.before.health, when: 'just before' }
      : null;
    for (const point of history) {
      const t = instantMs(point.eventTime);
      if (t === null || t < windowStart || t > at) continue;
      if (peak === null || point.health > peak.health) peak = { health: point.health, when: `on ${isoDate(point.eventTime)}` };
    }

    const now = change.after.health;
    const drop = peak === null ? 0 : peak.health - now;
    if (peak === null || drop < dropPoints) {
      return {
        state: 'clear',
        evidence: [`largest fall within ${withinDays} days: ${formatHealth(Math.max(drop, 0))} points (threshold ${dropPoints}), health ${formatHealth(now)} on ${isoDate(change.eventTime)}`],
      };
    }
    const line =
      `health fell ${formatHealth(drop)} points within ${withinDays} days: ` +
      `${formatHealth(peak.health)} ${peak.when} → ${formatHealth(now)} (${change.after.band}) on ${isoDate(change.eventTime)}`;
    return { state: 'firing', evidence: withReasons([line], change) };
  },
};
