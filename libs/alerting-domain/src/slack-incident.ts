import type { AlertLifecycleKind, AlertSeverity, IncidentLifecycleEvent } from '@bellwether/contracts';

/** A Slack Block Kit block, as far as this formatter builds them. */
export type SlackBlock =
  | { readonly type: 'section'; readonly text: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | { readonly type: 'actions'; readonly elements: readonly SlackButton[] };

export interface SlackText {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
}

export interface SlackButton {
  readonly type: 'button';
  readonly text: { readonly type: 'plain_text'; readonly text: string };
  readonly url: string;
}

/**
 * The body of a Slack incoming webhook (https://api.slack.com/messaging/webhooks): `blocks` for
 * the message, `text` as the fallback Slack shows in notifications and where blocks are not
 * rendered. Compatible receivers (Mattermost, Rocket.Chat, Teams' Slack-style hooks) read the same.
 */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/**
 * Escapes text for Slack's mrkdwn: `&`, `<` and `>` become `&amp;`, `&lt;`, `&gt;` (Slack,
 * "Formatting text for app surfaces", escaping), so an account id or a reason such as
 * `<!channel>` or `a <b> & c` shows as written instead of pinging a channel or breaking a link.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's limits the formatter keeps within: a section's text, a button's text and url (Block Kit reference). */
const SECTION_TEXT_MAX = 3000;
const BUTTON_URL_MAX = 3000;
/** Rules listed with their evidence, at most (a longer list ends "…and N more"). */
const MAX_RULES_SHOWN = 10;

const KIND_VERB: Record<AlertLifecycleKind, string> = {
  opened: 'opened',
  updated: 'updated',
  acknowledged: 'acknowledged',
  snoozed: 'snoozed',
  resolved: 'resolved',
  escalated: 'escalated',
};

const SEVERITY_MARK: Record<AlertSeverity, string> = { critical: ':red_circle:', high: ':large_orange_circle:', medium: ':large_yellow_circle:', low: ':white_circle:' };

/** The account view a message links to: `<consoleBaseUrl>/accounts/<id, percent-encoded>` (trailing slashes of the base dropped). */
export function accountViewUrl(consoleBaseUrl: string, accountId: string): string {
  return `${consoleBaseUrl.replace(/\/+$/, '')}/accounts/${encodeURIComponent(accountId)}`;
}

/**
 * One incident lifecycle event (`bellwether.incidents.v1`) as a Slack incoming-webhook message:
 * what happened (kind, category), the account linked to its view (`accountViewUrl`), the
 * severity, status, queue and escalation, and the reasons: each rule of the incident (active
 * ones first, as the event orders them) with its severity and evidence, at most 10. Every piece
 * of data is escaped (`escapeSlackText`); texts are cut to Slack's limits. `text` carries the
 * same in one line for notifications. Pure: no I/O.
 */
export function slackIncidentMessage(event: IncidentLifecycleEvent, consoleBaseUrl: string): SlackMessage {
  const url = accountViewUrl(consoleBaseUrl, event.accountId);
  const account = escapeSlackText(event.accountId);
  const what = `${capitalised(event.category)} incident ${KIND_VERB[event.kind]}`;
  const headline = `${SEVERITY_MARK[event.severity]} *${what}*: <${escapeSlackText(url)}|${account}> (${event.severity})`;
  const fields: SlackText[] = [
    { type: 'mrkdwn', text: `*Severity*\n${event.severity}` },
    { type: 'mrkdwn', text: `*Status*\n${event.status}${event.outcome ? ` (${escapeSlackText(event.outcome)})` : ''}` },
    { type: 'mrkdwn', text: `*Queue*\n${escapeSlackText(event.queue)}${event.escalatedTo ? `, escalated to ${escapeSlackText(event.escalatedTo)}` : ''}` },
    { type: 'mrkdwn', text: `*Owner CSM*\n${event.csmId ? escapeSlackText(event.csmId) : 'none'}` },
  ];
  const shown = event.rules.slice(0, MAX_RULES_SHOWN);
  const reasons = shown.map((rule) => {
    const evidence = rule.evidence.length > 0 ? `: ${rule.evidence.map(escapeSlackText).join('; ')}` : '';
    return `• *${escapeSlackText(rule.rule)}* (${rule.severity}${rule.status === 'resolved' ? ', resolved' : ''})${evidence}`;
  });
  if (event.rules.length > shown.length) reasons.push(`…and ${event.rules.length - shown.length} more`);
  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: cut(headline, SECTION_TEXT_MAX) }, fields },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*Reasons*\n${reasons.length > 0 ? reasons.join('\n') : 'none given'}`, SECTION_TEXT_MAX) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: cut(`Incident ${escapeSlackText(event.incidentId)} · revision ${event.revision} · ${escapeSlackText(event.occurredAt)}`, SECTION_TEXT_MAX) }] },
  ];
  if (url.length <= BUTTON_URL_MAX) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open account' }, url }] });
  const rules = event.ruleIds.map(escapeSlackText).join(', ');
  return { text: cut(`${what}: ${account} (${event.severity})${rules ? ` – ${rules}` : ''} ${escapeSlackText(url)}`, SECTION_TEXT_MAX), blocks };
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `text` within `max` characters, ending "…" when cut; never inside an escape such as `&amp;`. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept = text.slice(0, max - 1);
  const entity = /&[a-z]{0,3}$/.exec(kept);
  return `${entity ? kept.slice(0, entity.index) : kept}…`;
}
