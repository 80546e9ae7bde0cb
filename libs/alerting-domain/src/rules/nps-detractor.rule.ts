import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { daysBetween, HOUR_MS, instantMs, isoDate } from '../time.util';

/**
 * Risk, closed loop: the latest NPS response scores `maxScore` (default 6) or less and was given
 * within the last `withinDays` days. The evidence carries the customer's comment and the
 * follow-up deadline, `slaHours` (default 48) after the response; the alerting service may read
 * the same param for its SLA. It waits for a person (the loop closes with a call, not with time);
 * a cool-down covering `withinDays` keeps one response from opening it twice.
 */
export const npsDetractorRule = signalRule('nps_detractor', ['maxScore', 'withinDays', 'slaHours'], (signals, change, config) => {
  const { nps } = signals;
  if (nps === null) return { state: 'clear', evidence: [`no NPS response by ${isoDate(change.eventTime)}`] };
  const maxScore = param(config.params, 'maxScore', 6);
  const withinDays = param(config.params, 'withinDays', 14);
  const slaHours = param(config.params, 'slaHours', 48);
  const line = `NPS ${nps.score} (${nps.category}) on ${isoDate(nps.at)}${nps.comment ? `: “${nps.comment}”` : ''}`;
  const age = daysBetween(nps.at, change.eventTime);
  if (nps.score > maxScore || age === null || age < 0 || age >= withinDays) return { state: 'clear', evidence: [line] };
  const answeredMs = instantMs(nps.at);
  const deadline = answeredMs === null ? null : new Date(answeredMs + slaHours * HOUR_MS).toISOString().slice(0, 16).replace('T', ' ');
  return { state: 'firing', evidence: [line, `closed loop: follow up within ${slaHours} h of the response${deadline ? `, by ${deadline} UTC` : ''}`] };
});
