import { formatPercent, param, withReasons } from './evidence.util';
import { scoresLackData } from './insufficient-data.util';
import type { ScoreRule } from '../rule.types';
import { isoDate } from '../time.util';

/**
 * Fires while churn risk is at or above `threshold`. With the optional `criticalThreshold`
 * param, a risk at or above it raises the alert to critical. Clear margin: an active alert
 * clears only below `threshold − clearMargin` (default 0), so a risk wobbling at the threshold
 * keeps it rather than resolving and re-opening it. No opinion on a snapshot with insufficient data.
 */
export const churnRiskHighRule: ScoreRule = {
  id: 'churn_risk_high',
  requiredParams: ['threshold', 'clearMargin'],
  optionalParams: ['criticalThreshold'],
  evaluate({ change, active }, config) {
    if (scoresLackData(change)) return null;
    const threshold = param(config.params, 'threshold', 0.6);
    const risk = change.after.churnRisk;
    const movement = change.before ? `${formatPercent(change.before.churnRisk)} → ${formatPercent(risk)}` : formatPercent(risk);
    const line = `churn risk ${movement} (threshold ${formatPercent(threshold)}) on ${isoDate(change.eventTime)}`;
    const clearBelow = active ? threshold - param(config.params, 'clearMargin', 0) : threshold;
    if (risk < clearBelow) return { state: 'clear', evidence: [line] };
    if (risk < threshold) return { state: 'firing', evidence: [`${line}, not yet below the clear margin ${formatPercent(clearBelow)}`] };
    const critical = config.params['criticalThreshold'];
    const severity = typeof critical === 'number' && risk >= critical ? 'critical' : undefined;
    return { state: 'firing', evidence: withReasons([line], change), ...(severity ? { severity } : {}) };
  },
};
