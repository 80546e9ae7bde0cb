import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { daysBetween, windowText } from '../time.util';

/**
 * Risk: a complaint or escalation ticket (scoring's classification: configured severities,
 * negative sentiment, complaint topics) opened within the last `withinDays` days, today included.
 * The rule waits for a person; its cool-down should cover the window.
 */
export const supportEscalationRule = signalRule('support_escalation', ['withinDays'], (signals, change, config) => {
  const { escalations30, lastEscalationAt } = signals.support;
  const withinDays = param(config.params, 'withinDays', 7);
  const age = lastEscalationAt === null ? null : daysBetween(lastEscalationAt, change.eventTime);
  if (lastEscalationAt === null || age === null || age < 0 || age >= withinDays) {
    return { state: 'clear', evidence: [`no complaint or escalation in ${windowText(change.eventTime, withinDays)}`] };
  }
  return { state: 'firing', evidence: [`complaint/escalation ticket on ${lastEscalationAt} (${escalations30} in ${windowText(change.eventTime, 30)})`] };
});
