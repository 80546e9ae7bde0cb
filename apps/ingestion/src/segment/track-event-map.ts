import { readFileSync } from 'node:fs';

/**
 * Segment `track` names → Bellwether event types. Names not in the table become
 * `track.<snake_case_name>` (accepted as activity); names already in native form pass through.
 */
export type TrackEventMap = Readonly<Record<string, string>>;

export const defaultTrackEventMap: TrackEventMap = {
  'Feature Used': 'feature.used',
  'Logged In': 'session.started',
  'Signed In': 'session.started',
  'Session Started': 'session.started',
  'Feature Gated': 'feature.gated',
  'Upgrade Prompt Shown': 'feature.gated',
  'Usage Reported': 'usage.reported',
  'Onboarding Milestone Completed': 'onboarding.milestone_completed',
  'Ticket Opened': 'support.ticket_opened',
  'Ticket Resolved': 'support.ticket_resolved',
  'NPS Responded': 'nps.responded',
  'NPS Survey Submitted': 'nps.responded',
  'Payment Failed': 'billing.payment_failed',
  'Payment Succeeded': 'billing.payment_succeeded',
  'Invoice Overdue': 'billing.invoice_overdue',
  'Subscription Changed': 'subscription.changed',
  'Downgrade Requested': 'subscription.downgrade_requested',
  'Email Opened': 'engagement.email_opened',
  'Event Attended': 'engagement.event_attended',
  'Webinar Attended': 'engagement.event_attended',
  'Community Post Created': 'community.posted',
  'CSM Touchpoint': 'csm.touchpoint',
  'Account Churned': 'account.churned',
  'Account Renewed': 'account.renewed',
  'Account Expanded': 'account.expanded',
  'Account Contracted': 'account.contracted',
};

const NATIVE_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export function bellwetherTypeOf(trackName: string, map: TrackEventMap): string {
  const mapped = map[trackName];
  if (mapped) return mapped;
  if (NATIVE_TYPE.test(trackName)) return trackName;
  const snake = trackName
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80);
  return `track.${/^[a-z]/.test(snake) ? snake : `e_${snake || 'unnamed'}`}`;
}

/** The default table, overridden entry by entry by a JSON file (`TRACK_EVENT_MAP_FILE`). */
export function loadTrackEventMap(file: string | undefined): TrackEventMap {
  if (!file) return defaultTrackEventMap;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: the track event map must be a JSON object`);
  for (const [name, type] of Object.entries(parsed)) {
    if (typeof type !== 'string' || !NATIVE_TYPE.test(type)) throw new Error(`${file}: "${name}" must map to an event type like "feature.used"`);
  }
  return { ...defaultTrackEventMap, ...(parsed as Record<string, string>) };
}
