import { atLeast, formatChange, param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { addDays, windowText } from '../time.util';

/**
 * Risk: email opens or event/webinar attendance in the last 30 days fell at least `dropShare`
 * (default 50%) below the 30 days before, when those had at least `minPreviousEmailOpens` opens
 * or `minPreviousEventsAttended` attendances respectively.
 */
export const engagementDecayRule = signalRule(
  'engagement_decay',
  ['dropShare', 'minPreviousEmailOpens', 'minPreviousEventsAttended'],
  (signals, change, config) => {
    const dropShare = param(config.params, 'dropShare', 0.5);
    const previousWindow = `${addDays(change.eventTime, -59)} – ${addDays(change.eventTime, -30)}`;
    const channels = [
      { what: 'email opens', now: signals.engagement.emailOpens30, before: signals.engagement.emailOpensPrevious30, min: param(config.params, 'minPreviousEmailOpens', 5) },
      { what: 'event attendances', now: signals.engagement.eventsAttended30, before: signals.engagement.eventsAttendedPrevious30, min: param(config.params, 'minPreviousEventsAttended', 2) },
    ];
    const judged = channels.map(({ what, now, before, min }) => ({
      line: `${now} ${what} in ${windowText(change.eventTime, 30)} vs ${before} in ${previousWindow}${before > 0 ? ` (${formatChange(now / before)})` : ''}`,
      decayed: before >= min && before > 0 && atLeast(1 - now / before, dropShare),
    }));
    const decayed = judged.filter((channel) => channel.decayed);
    if (decayed.length === 0) return { state: 'clear', evidence: judged.map((channel) => channel.line) };
    return { state: 'firing', evidence: decayed.map((channel) => channel.line) };
  },
);
