import { createHash } from 'node:crypto';
import { eventLimits, eventTypePattern } from '@bellwether/contracts';

/**
 * Segment `track` names → Bellwether event types. Names not in the table become
 * `track.<snake_case_name>` (accepted as activity); names already in native form pass through
 * (see `bellwetherTypeOf`).
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

const NATIVE_TYPE = new RegExp(eventTypePattern);
const TRACK_PREFIX = 'track.';
/** Longest readable slug kept before the hash (the pre-hash mapping truncated here too). */
const MAX_SLUG_LENGTH = 80;
const HASH_LENGTH = 8;
/** A letter or digit outside ASCII: the slug drops it, so the name needs a hash to stay distinct. */
const NON_ASCII_WORD_CHARACTER = /\P{ASCII}/u;

/**
 * The Bellwether event type of a Segment `track` name, always within the type rules
 * (`eventTypePattern`, at most `eventLimits.maxTypeLength` characters) and stable across calls:
 * 1. a name in the table maps to its entry;
 * 2. a name already in native form (and short enough) passes through;
 * 3. an ASCII name becomes `track.<snake_case>` (`e_` first if it starts with a digit), exactly as
 *    before the hash rule, so existing types keep their meaning;
 * 4. a name the slug cannot keep whole (letters outside ASCII, e.g. "レポート出力", nothing
 *    sluggable, or a slug over 80 characters) becomes `track.<slug>_<hash>`, where hash is the
 *    first 8 hex digits of SHA-256 over the NFC form of the name, so different names get different
 *    types: `track.e_<hash>` when nothing is sluggable.
 * The original name travels in the event's `properties.event` (see the Segment normalizer).
 */
export function bellwetherTypeOf(trackName: string, map: TrackEventMap): string {
  // Own entries only: "constructor" or "toString" must not find Object.prototype's members.
  const mapped = Object.hasOwn(map, trackName) ? map[trackName] : undefined;
  if (mapped) return mapped;
  if (NATIVE_TYPE.test(trackName) && trackName.length <= eventLimits.maxTypeLength) return trackName;
  const snake = trackName
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const slug = /^[a-z]/.test(snake) ? snake : `e_${snake}`.replace(/_+$/, '');
  const lossy = snake === '' || snake.length > MAX_SLUG_LENGTH || NON_ASCII_WORD_CHARACTER.test(trackName.replace(/[^\p{L}\p{N}]/gu, ''));
  if (!lossy) return `${TRACK_PREFIX}${slug}`;
  const hash = createHash('sha256').update(trackName.normalize('NFC')).digest('hex').slice(0, HASH_LENGTH);
  const head = slug.slice(0, MAX_SLUG_LENGTH).replace(/_+$/, '');
  return `${TRACK_PREFIX}${head}_${hash}`;
}

/**
 * The default table, overridden entry by entry by the parsed contents of a JSON map
 * (`TRACK_EVENT_MAP_FILE`; `source` names it in errors). Throws an Error when the value is no
 * JSON object or an entry maps to something that is not an event type within the type rules.
 */
export function trackEventMapWith(parsed: unknown, source: string): TrackEventMap {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${source}: the track event map must be a JSON object`);
  for (const [name, type] of Object.entries(parsed)) {
    if (typeof type !== 'string' || !NATIVE_TYPE.test(type) || type.length > eventLimits.maxTypeLength) {
      throw new Error(`${source}: "${name}" must map to an event type like "feature.used" of at most ${eventLimits.maxTypeLength} characters`);
    }
  }
  return { ...defaultTrackEventMap, ...(parsed as Record<string, string>) };
}
