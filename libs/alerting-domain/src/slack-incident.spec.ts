import type { IncidentLifecycleEvent } from '@bellwether/contracts';
import { incidentLifecycleEvent } from '@bellwether/testing';
import { accountViewUrl, escapeSlackText, slackIncidentMessage } from './slack-incident';

/** A critical risk incident of `acme` with two rules (one resolved), opened for `ana`: libs/testing's builder with these fields. */
function incident(overrides: Partial<IncidentLifecycleEvent> = {}): IncidentLifecycleEvent {
  return incidentLifecycleEvent({
    revision: 2,
    accountId: 'acme',
    severity: 'critical',
    priority: 9,
    queue: 'csm:ana',
    csmId: 'ana',
    ruleIds: ['payment_failed', 'health_entered_red'],
    rules: [
      { rule: 'payment_failed', alertId: 'al_1', severity: 'critical', status: 'open', evidence: ['invoice 42 failed twice'] },
      { rule: 'health_entered_red', alertId: 'al_2', severity: 'high', status: 'resolved', evidence: ['health 31', 'usage down 40%'] },
    ],
    occurredAt: '2026-12-01T10:05:00.000Z',
    ...overrides,
  });
}

const BASE = 'https://console.acme.example/';

describe('escapeSlackText', () => {
  it("escapes Slack's control characters &, < and > (in that order, so & is not escaped twice)", () => {
    expect(escapeSlackText('Smith & Sons <!channel> > x')).toBe('Smith &amp; Sons &lt;!channel&gt; &gt; x');
    expect(escapeSlackText('&lt;')).toBe('&amp;lt;');
    expect(escapeSlackText('plain')).toBe('plain');
  });
});

describe('accountViewUrl', () => {
  it('joins the console base and the percent-encoded account id', () => {
    expect(accountViewUrl('https://console.acme.example/', 'acme')).toBe('https://console.acme.example/accounts/acme');
    expect(accountViewUrl('https://console.acme.example/cs', 'a/b c&<d>|e')).toBe('https://console.acme.example/cs/accounts/a%2Fb%20c%26%3Cd%3E%7Ce');
  });
});

describe('slackIncidentMessage', () => {
  it('gives the account linked to its view, the severity and the reasons with their evidence, with a text fallback', () => {
    const message = slackIncidentMessage(incident(), BASE);
    expect(message.text).toBe('Risk incident opened: acme (critical) – payment_failed, health_entered_red https://console.acme.example/accounts/acme');
    expect(message.blocks).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: ':red_circle: *Risk incident opened*: <https://console.acme.example/accounts/acme|acme> (critical)' },
        fields: [
          { type: 'mrkdwn', text: '*Severity*\ncritical' },
          { type: 'mrkdwn', text: '*Status*\nopen' },
          { type: 'mrkdwn', text: '*Queue*\ncsm:ana' },
          { type: 'mrkdwn', text: '*Owner CSM*\nana' },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '*Reasons*\n• *payment_failed* (critical): invoice 42 failed twice\n• *health_entered_red* (high, resolved): health 31; usage down 40%' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Incident in_1 · revision 2 · 2026-12-01T10:05:00.000Z' }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open account' }, url: 'https://console.acme.example/accounts/acme' }] },
    ]);
  });

  it('escapes &, < and > in the account id, the reasons and everything else from the event, and encodes the id in the link', () => {
    const message = slackIncidentMessage(
      incident({
        accountId: 'Smith & Sons <!channel>',
        queue: 'team:<b>',
        csmId: 'a&b',
        rules: [{ rule: 'r<1>', alertId: 'al_1', severity: 'high', status: 'open', evidence: ['MRR < 500 & falling', '<https://evil.example|click>'] }],
        ruleIds: ['r<1>'],
      }),
      BASE,
    );
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil.example');
    expect(message.blocks[0]).toMatchObject({
      text: { text: ':red_circle: *Risk incident opened*: <https://console.acme.example/accounts/Smith%20%26%20Sons%20%3C!channel%3E|Smith &amp; Sons &lt;!channel&gt;> (critical)' },
      fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Queue*\nteam:&lt;b&gt;' }, { type: 'mrkdwn', text: '*Owner CSM*\na&amp;b' }]),
    });
    expect(message.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Reasons*\n• *r&lt;1&gt;* (high): MRR &lt; 500 &amp; falling; &lt;https://evil.example|click&gt;' } });
    expect(message.text).toBe('Risk incident opened: Smith &amp; Sons &lt;!channel&gt; (critical) – r&lt;1&gt; https://console.acme.example/accounts/Smith%20%26%20Sons%20%3C!channel%3E');
  });

  it('says how an incident ended, where it escalated, and lists at most 10 rules', () => {
    const rules = Array.from({ length: 12 }, (_, i) => ({ rule: `rule_${i}`, alertId: `al_${i}`, severity: 'low' as const, status: 'resolved' as const, evidence: [] }));
    const message = slackIncidentMessage(incident({ kind: 'resolved', status: 'resolved', outcome: 'saved', escalatedTo: 'manager:emea', severity: 'low', category: 'expansion', rules }), BASE);
    expect(message.text.startsWith('Expansion incident resolved: acme (low)')).toBe(true);
    expect(message.blocks[0]).toMatchObject({ fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Status*\nresolved (saved)' }, { type: 'mrkdwn', text: '*Queue*\ncsm:ana, escalated to manager:emea' }]) });
    const reasons = (message.blocks[1] as { text: { text: string } }).text.text.split('\n');
    expect(reasons).toHaveLength(1 + 10 + 1);
    expect(reasons.at(-1)).toBe('…and 2 more');
  });

  it("keeps within Slack's 3000-character section text, never cutting an escape in half", () => {
    const message = slackIncidentMessage(incident({ rules: [{ rule: 'r', alertId: 'al', severity: 'high', status: 'open', evidence: ['&'.repeat(2000)] }] }), BASE);
    const text = (message.blocks[1] as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.endsWith('&amp;…')).toBe(true);
  });
});
